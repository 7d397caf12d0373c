/**
 * `WWW-Authenticate` parsing (RFC 7235). A header may hold several challenges, and
 * parameter values may be quoted strings with commas and escapes inside, so a
 * split on "," is not enough: scopes such as `repository:a:pull,push` contain commas.
 */

export interface Challenge {
  scheme: "basic" | "bearer" | string;
  params: Record<string, string>;
}

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return values.flatMap(parseOne);
}

function parseOne(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const skipSpaceAndCommas = () => {
    while (i < header.length && /[\s,]/.test(header[i])) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < header.length && /[^\s,=]/.test(header[i])) i++;
    return header.slice(start, i);
  };
  const readQuoted = () => {
    let out = "";
    i++; // opening quote
    while (i < header.length && header[i] !== '"') {
      if (header[i] === "\\" && i + 1 < header.length) i++;
      out += header[i++];
    }
    i++; // closing quote
    return out;
  };

  skipSpaceAndCommas();
  while (i < header.length) {
    const scheme = readToken();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    while (i < header.length) {
      skipSpaceAndCommas();
      const mark = i;
      const key = readToken();
      while (header[i] === " ") i++;
      if (!key || header[i] !== "=") {
        // Not `key=value`: the next challenge's scheme begins here.
        i = mark;
        break;
      }
      i++; // "="
      while (header[i] === " ") i++;
      challenge.params[key.toLowerCase()] = header[i] === '"' ? readQuoted() : readToken();
    }
    skipSpaceAndCommas();
  }
  return challenges;
}

/** The challenge we can answer, preferring Bearer (scoped, short-lived) over Basic. */
export function preferredChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === "bearer" && c.params.realm) ?? challenges.find((c) => c.scheme === "basic");
}
