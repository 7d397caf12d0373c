import { ImageReference, formatReference } from "../clients/oci";

/** One image to copy: a source tag or digest and where it goes. */
export interface SyncTask {
  /** The rule (source key in `images`) this task came from. */
  rule: string;
  source: ImageReference;
  /** Without a tag the image is pushed by digest only. */
  destination: ImageReference;
}

export function describeTask(task: SyncTask): { source: string; destination: string } {
  return { source: formatReference(task.source), destination: formatReference(task.destination) };
}
