import { ImageReference, formatReference, isValidTag, quoteAnswer } from "../clients/oci";

/** One image to copy: a source tag or digest and where it goes. */
export interface SyncTask {
  /** The rule (source key in `images`) this task came from. */
  rule: string;
  source: ImageReference;
  /** Without a tag the image is pushed by digest only. */
  destination: ImageReference;
}

export function describeTask(task: SyncTask): { source: string; destination: string } {
  return { source: describeReference(task.source), destination: describeReference(task.destination) };
}

/** A tag a registry listed outside the grammar is shown quoted, escaped and cut short: it may hold anything. */
function describeReference(ref: ImageReference): string {
  if (ref.tag === undefined || isValidTag(ref.tag)) return formatReference(ref);
  return `${formatReference({ ...ref, tag: undefined })}:${quoteAnswer(ref.tag)}`;
}
