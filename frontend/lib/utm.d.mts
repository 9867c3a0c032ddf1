export const UTM_KEYS: string[];
export type Utm = { utm_source: string; utm_medium: string; utm_campaign: string; utm_term: string; utm_content: string };
export function readUtm(url: string): Utm;
export function applyUtm(url: string, utm: Partial<Utm>): string;
