import { errorMessage } from './logic.mjs';

export type Link = {
  slug: string; short_url: string; long_url: string; created_at: string; updated_at: string;
  expires_at: string | null; max_clicks: number | null; redirect_type: number; tags: string[]; clicks: number;
};
export type Bucket = { key: string; class?: string; clicks: number; human_clicks: number; bot_clicks: number };
export type Totals = { clicks: number; human_clicks: number; bot_clicks: number; unique_visitors: number };
export type Stats = {
  slug: string; from: string; to: string; interval: string; tz: string; bots: string; totals: Totals;
  timeseries: { t: string; clicks: number; unique_visitors: number | null }[];
  countries?: Bucket[]; regions?: Bucket[]; cities?: Bucket[]; referrers?: Bucket[]; sources?: Bucket[];
  browsers?: Bucket[]; os?: Bucket[]; devices?: Bucket[]; languages?: Bucket[];
};

export class ApiError extends Error {
  constructor(public status: number, message: string) { super(message); }
}

export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...(init?.headers ?? {}) } });
  } catch {
    throw new ApiError(0, errorMessage(0, null));
  }
  let body: unknown = null;
  const text = await res.text();
  if (text) { try { body = JSON.parse(text); } catch { body = null; } }
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, body));
  return body as T;
}
