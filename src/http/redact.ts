/**
 * Masks what travels in URL queries before anything is logged. The API's only query
 * parameter is the callback token, so every value is masked, whatever its name (`tok=`,
 * `%74oken=`, `token[]=` all carry a token as well as `token=` does); names are kept.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const masked = url
    .slice(q + 1, hash === -1 ? undefined : hash)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? part : `${part.slice(0, eq)}=[redacted]`;
    })
    .join('&');
  return `${url.slice(0, q)}?${masked}`;
}
