import { CommandArguments } from "../arguments";

/** The transport settings the flags name (`--max-rps`), as runSync and runVerify take them. */
export function transportOf(args: Pick<CommandArguments, "maxRequestsPerSecond">): { transport?: { maxRequestsPerSecond: number } } {
  return args.maxRequestsPerSecond === undefined ? {} : { transport: { maxRequestsPerSecond: args.maxRequestsPerSecond } };
}
