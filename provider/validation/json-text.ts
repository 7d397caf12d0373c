import { ConfigError } from "./config-error";

/**
 * JSON.parse, made fit for files that hold passwords: a syntax error is reported as its kind,
 * line and column, never with the text around it (JSON.parse quotes that text, and it can be
 * the middle of a password), and a key given twice in one object is an error naming the key
 * and both lines, as YAML does, instead of the last one silently winning.
 */

export class JsonSyntaxError extends Error {
  override name = "JsonSyntaxError";
  constructor(
    readonly problem: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${problem} at line ${line}, column ${column}`);
  }
}

const MAX_DEPTH = 512;

/** Parses `text`; a problem becomes a ConfigError for `source` ("not valid JSON: ... at line 3, column 17"). */
export function parseJsonText(text: string, source?: string): unknown {
  try {
    return new JsonReader(text).document();
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new ConfigError([{ path: [], message: `not valid JSON: ${error.message}` }], source);
    throw error;
  }
}

class JsonReader {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): unknown {
    // A byte-order mark is how some editors start a UTF-8 file.
    if (this.text.charCodeAt(0) === 0xfeff) this.at = 1;
    const value = this.value(0);
    this.skipSpace();
    if (this.at < this.text.length) this.fail("unexpected text after the end of the document");
    return value;
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    this.skipSpace();
    const char = this.text[this.at];
    if (char === "{") return this.object(depth);
    if (char === "[") return this.array(depth);
    if (char === '"') return this.string();
    if (char === "-" || (char >= "0" && char <= "9")) return this.number();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    if (char === undefined) this.fail("unexpected end of the file: expected a value");
    if (char === "'") this.fail("a string in single quotes: JSON strings use double quotes");
    return this.fail("unexpected character: expected a value (an object, list, string, number, true, false or null)");
  }

  private object(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    // Offsets, not lines: counting lines for every key would make large files quadratic.
    const offsets = new Map<string, number>();
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === "}") {
      this.at++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      const char = this.text[this.at];
      if (char !== '"')
        this.fail(char === undefined ? "unexpected end of the file: expected a key" : char === "}" ? "a comma before '}'" : "expected a key in double quotes");
      const keyAt = this.at;
      const key = this.string();
      const first = offsets.get(key);
      if (first !== undefined) {
        const { line, column } = this.position(keyAt);
        throw new JsonSyntaxError(`duplicate key ${JSON.stringify(key)} (first given at line ${this.position(first).line})`, line, column);
      }
      offsets.set(key, keyAt);
      this.skipSpace();
      if (this.text[this.at] !== ":") this.fail("expected ':' after the key");
      this.at++;
      Object.defineProperty(result, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const next = this.text[this.at++];
      if (next === "}") return result;
      if (next !== ",") this.fail(next === undefined ? "unexpected end of the file: expected ',' or '}'" : "expected ',' or '}' after a value", -1);
    }
  }

  private array(depth: number): unknown[] {
    const result: unknown[] = [];
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === "]") {
      this.at++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.at++];
      if (next === "]") return result;
      if (next !== ",") this.fail(next === undefined ? "unexpected end of the file: expected ',' or ']'" : "expected ',' or ']' after a value", -1);
    }
  }

  private string(): string {
    const start = this.at;
    let escaped = false;
    for (this.at++; ; this.at++) {
      const code = this.text.charCodeAt(this.at);
      if (Number.isNaN(code)) this.fail("a string is not closed before the end of the file", 0, start);
      if (code === 0x22) break;
      if (code < 0x20) this.fail("a string is not closed on its line (or holds a control character)");
      if (code === 0x5c) {
        escaped = true;
        const next = this.text[this.at + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) this.fail("invalid \\u escape: expected four hex digits");
          this.at += 5;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          this.at++;
        } else {
          this.fail("invalid escape in a string");
        }
      }
    }
    this.at++;
    const raw = this.text.slice(start, this.at);
    // Validated above, so JSON.parse cannot fail or quote anything here.
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  private number(): number {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.at;
    const found = match.exec(this.text);
    if (!found) return this.fail("invalid number");
    this.at += found[0].length;
    return Number(found[0]);
  }

  private skipSpace(): void {
    for (;;) {
      const char = this.text[this.at];
      if (char === " " || char === "\n" || char === "\r" || char === "\t") this.at++;
      else return;
    }
  }

  private fail(problem: string, offset = 0, at = this.at + offset): never {
    const { line, column } = this.position(at);
    throw new JsonSyntaxError(problem, line, column);
  }

  private position(at: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let index = this.text.indexOf("\n"); index !== -1 && index < at; index = this.text.indexOf("\n", index + 1)) {
      line++;
      lineStart = index + 1;
    }
    return { line, column: at - lineStart + 1 };
  }
}
