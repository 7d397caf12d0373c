/**
 * A CronJob schedule checked as Kubernetes reads it (robfig/cron's standard parser): five
 * fields (minute hour day-of-month month day-of-week) or a macro. Checked while the program
 * runs, so a typo fails `pulumi preview` with the field named instead of being refused by
 * the API server halfway through `pulumi up`.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Three-letter names the field also takes (jan, mon), numbered from `min`. */
  names?: string[];
}

const FIELDS: CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
/** `@every 1h30m`: Go's duration syntax. */
const EVERY = /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export const CRON_EXPECTED =
  'five fields "minute hour day-of-month month day-of-week" (such as "*/30 * * * *" or "0 2 * * mon-fri") or a macro (@hourly, @daily, @weekly, @monthly, @yearly, @every 6h)';

/** What is wrong with `schedule`, or undefined when Kubernetes accepts it. */
export function cronScheduleProblem(schedule: string): string | undefined {
  if (typeof schedule !== "string") return `expected ${CRON_EXPECTED}`;
  const text = schedule.trim();
  // Kubernetes refuses a time zone inside the schedule since 1.27; it has its own field.
  if (/^(CRON_)?TZ=/.test(text)) return "expected the time zone in timeZone, not in the schedule (Kubernetes refuses TZ= and CRON_TZ= there)";
  if (text.startsWith("@")) return MACROS.includes(text.toLowerCase()) || EVERY.test(text) ? undefined : `unknown macro "${text}": expected ${CRON_EXPECTED}`;
  const parts = text.split(/\s+/);
  if (parts.length !== FIELDS.length) return `expected ${CRON_EXPECTED}; got ${parts.length} field(s)`;
  for (const [index, field] of FIELDS.entries()) {
    const problem = fieldProblem(parts[index], field);
    if (problem) return `${field.name} "${parts[index]}": ${problem}`;
  }
  return undefined;
}

/** A field is a comma list of `*`, `?`, `a`, `a-b`, each with an optional `/step`. */
function fieldProblem(text: string, field: CronField): string | undefined {
  for (const item of text.split(",")) {
    const match = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!match) return `expected *, a value, a range a-b, each with an optional /step, comma separated`;
    if (match[2] !== undefined && Number(match[2]) < 1) return "expected a step of at least 1";
    if (match[1] === "*" || match[1] === "?") continue;
    const bounds = match[1].split("-");
    if (bounds.length > 2) return `expected a value or a range a-b from ${field.min} to ${field.max}`;
    const values = bounds.map((bound) => valueOf(bound, field));
    if (values.some((value) => value === undefined))
      return `expected values from ${field.min} to ${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ""}`;
    if (values.length === 2 && values[0]! > values[1]!) return "expected a range whose start is not after its end";
  }
  return undefined;
}

function valueOf(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}
