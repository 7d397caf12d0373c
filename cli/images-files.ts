import { writeFileSync } from "node:fs";
import { ImageResult } from "../provider/sync";
import { Redactor, redactSecrets } from "../provider/validation";

/**
 * Images written back in the `images` format (source -> list of destinations), so a file
 * can be fed straight in again with --images: the failed ones to retry, the successful
 * ones (`--output-success-images`, as image-syncer writes it) to re-check or repeat.
 */

export type ImagesFileFormat = "json" | "yaml";

/** Sorted: images finish in any order, and the same outcome should give the same file. */
export function imagesMapOf(results: ImageResult[]): Record<string, string[]> {
  const destinations = new Map<string, Set<string>>();
  for (const result of results) {
    if (!destinations.has(result.source)) destinations.set(result.source, new Set());
    destinations.get(result.source)!.add(result.destination);
  }
  const map: Record<string, string[]> = {};
  for (const source of [...destinations.keys()].sort()) map[source] = [...destinations.get(source)!].sort();
  return map;
}

export function writeImagesFile(file: string, results: ImageResult[], format: ImagesFileFormat = "json", redact: Redactor = redactSecrets): void {
  const map = imagesMapOf(results);
  // Loaded only when asked for: most runs write JSON, and start-up time shows in cron runs.
  const text = format === "yaml" ? (require("yaml") as typeof import("yaml")).stringify(map) : `${JSON.stringify(map, null, 2)}\n`;
  writeFileSync(file, redact(text));
}
