// RunBlob's request body and its FastAPI-style 422 answer: `{ detail: [{ type, loc, msg, input }] }`
// with pydantic v2's error types and wording, so a client parsing them meets the real shapes.
import { z } from 'zod';
import { httpUrl } from './fields.js';

export const RunblobRequestSchema = z
  .object({
    prompt: z.string().min(1).max(2500),
    // Optional[...] fields in pydantic also accept an explicit null.
    images_url: z.array(httpUrl).max(5).nullish(),
    images_base64: z.array(z.string().min(1)).max(5).nullish(),
    duration: z.enum(['5', '10', '15']).default('5'),
    aspect_ratio: z.enum(['16:9', '9:16', '1:1']).default('16:9'),
    model: z.enum(['kling_o3', 'kling_o3_pro']).default('kling_o3'),
    keep_original_sound: z.boolean().nullish(),
    callback_url: httpUrl.nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.images_url && v.images_base64) {
      ctx.addIssue({ code: 'custom', path: ['images_base64'], message: 'images_url and images_base64 cannot both be given' });
    }
  });
export type RunblobRequest = z.infer<typeof RunblobRequestSchema>;

/** 0.35 per 5 s, twice that for pro; rounded to cents so credits add up exactly. */
export function runblobPrice(request: Pick<RunblobRequest, 'duration' | 'model'>): number {
  return roundCents(0.35 * (Number(request.duration) / 5) * (request.model === 'kling_o3_pro' ? 2 : 1));
}

export const roundCents = (n: number): number => Math.round(n * 100) / 100;

export interface FastApiError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

const orList = (values: readonly unknown[]): string => {
  const quoted = values.map((v) => `'${String(v)}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
};

export function toFastApiErrors(error: z.ZodError, body: unknown): FastApiError[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const input = path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), body);
    const at = (type: string, msg: string): FastApiError => ({ type, loc: ['body', ...path], msg, input: input ?? null });
    switch (issue.code) {
      case 'invalid_type':
        if (input === undefined) return at('missing', 'Field required');
        if (path.length === 0) return at('model_attributes_type', 'Input should be a valid dictionary or object to extract fields from');
        if (issue.expected === 'array') return at('list_type', 'Input should be a valid list');
        if (issue.expected === 'boolean') return at('bool_type', 'Input should be a valid boolean');
        return at(`${issue.expected}_type`, `Input should be a valid ${issue.expected}`);
      case 'too_small':
        return issue.origin === 'string'
          ? at('string_too_short', `String should have at least ${issue.minimum} character${issue.minimum === 1 ? '' : 's'}`)
          : at('too_short', `List should have at least ${issue.minimum} item after validation`);
      case 'too_big':
        return issue.origin === 'string'
          ? at('string_too_long', `String should have at most ${issue.maximum} characters`)
          : at('too_long', `List should have at most ${issue.maximum} items after validation, not ${Array.isArray(input) ? input.length : '?'}`);
      case 'invalid_value':
        return at('literal_error', `Input should be ${orList(issue.values)}`);
      case 'invalid_format':
        return typeof input === 'string' && URL.canParse(input)
          ? at('url_scheme', "URL scheme should be 'http' or 'https'")
          : at('url_parsing', 'Input should be a valid URL, relative URL without a base');
      default:
        return at('value_error', `Value error, ${issue.message}`);
    }
  });
}
