export const REDIRECT_TYPES: { code: number; label: string }[];
export type CountryRow = { code: string; url: string };
export type RuleRow = {
  countries: string; devices: string[]; languages: string; query: string; after: string; before: string; url: string;
};
export type VariantRow = { url: string; weight: string };
export const RULE_DEVICES: { value: string; label: string }[];
export function ruleToRow(rule: Record<string, any>): RuleRow;
export function rowToRule(row: RuleRow, i: number):
  { rule: Record<string, unknown>; error?: undefined } | { error: { field: string; message: string }; rule?: undefined };
export type LinkForm = {
  url: string; disabled: boolean; expires_at: string; max_clicks: string; expired_url: string; redirect_type: string;
  tags: string; forward_query: boolean; password_protected: boolean; password_action: 'keep' | 'set' | 'remove';
  password: string; ios: string; android: string; countries: CountryRow[]; rules: RuleRow[]; split: VariantRow[];
  og_title: string; og_description: string; og_image: string;
};
export function isoToLocalInput(iso: string | null | undefined): string;
export function localInputToIso(v: string): string | null;
export function parseTags(text: string): string[];
export function linkToForm(link: Record<string, unknown>): LinkForm;
export type FieldError = { field: string; message: string };
export function formToPatch(form: LinkForm, initial: LinkForm):
  { body: Record<string, unknown>; error?: undefined } | { error: FieldError; body?: undefined };
export function previewChanges(form: Pick<LinkForm, 'og_title' | 'og_description' | 'og_image'>,
  initial?: Pick<LinkForm, 'og_title' | 'og_description' | 'og_image'> | null):
  { body: Record<string, unknown>; error?: undefined } | { error: FieldError; body?: undefined };
export function fieldForError(code: string, message?: string): string | null;
export function controlForField(field: string | null, countries: CountryRow[]): string | null;
