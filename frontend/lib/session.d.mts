export type User = { id: number; email: string; is_admin: boolean };
export type Sso = { name: string; login_url: string };
export type Session = {
  mode: 'none' | 'required'; signup: boolean; anonymous_shortening: boolean; password_login: boolean; sso: Sso | null;
  user: User | null; csrf_token: string | null;
};
export function parseSso(sso: unknown): Sso | null;
export function ssoErrorSentence(code: string | null): string | null;
export const LOGIN_PATH: string;
export const DEFAULT_NEXT: string;
export const SIGNUP_PATH: string;
export const NO_AUTH_SESSION: Session;
export function safeNext(next: string | null | undefined, fallback?: string): string;
export function loginHref(current: string): string;
export function csrfFromCookie(cookie: string): string | null;
export function isStatsToken(t: unknown): t is string;
export function tokenFromFragment(hash: string): string | null;
export function dashboardHref(slug: string, token?: string | null): string;
export function parseSession(body: unknown): Session;
export function sessionGate(session: Session | null, o?: { anonymousOk?: boolean }): 'show' | 'login';
export function retryAfterSeconds(header: string | null, now?: number): number | null;
export function waitSentence(seconds: number | null): string;
export const SCOPES: { id: string; label: string }[];
export function rateLimitValue(text: string): { value: string | null; error?: undefined } | { error: string; value?: undefined };
export function keyRequest(name: string, scopes: string[], rateLimit?: string):
  { body: { name: string; scopes: string[]; rate_limit?: string }; error?: undefined }
  | { error: { field: 'name' | 'scopes' | 'rate_limit'; message: string }; body?: undefined };
