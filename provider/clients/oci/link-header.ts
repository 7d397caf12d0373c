/** `Link: <url>; rel="next"` as the distribution API paginates; the URL may be relative. */
export function nextLink(header: string | string[] | undefined, base: URL): URL | undefined {
  const target = nextLinkTarget(header);
  return target === undefined ? undefined : new URL(target, base);
}

/** The `rel="next"` target exactly as the registry wrote it, unresolved: it is untrusted until checked. */
export function nextLinkTarget(header: string | string[] | undefined): string | undefined {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const value of values) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
      if (match && /\brel\s*=\s*"?next"?/i.test(match[2])) return match[1];
    }
  }
  return undefined;
}
