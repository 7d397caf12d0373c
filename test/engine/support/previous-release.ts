import { execFile } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

/**
 * The previous release's package, built from this repository's history as it was published:
 * its tree at the release commit, compiled, and `npm pack`ed. Upgrade tests install it in a
 * user's stack, write state with it, then move the stack to this checkout's package.
 */

const execFileAsync = promisify(execFile);
const REPO = resolve(__dirname, "../../../..");
const BIG = 64 * 1024 * 1024;

/** registry-dr 0.1.0: the last commit before the public surface (entry points, the stable provider entry) changed. */
export const RELEASE_0_1_0 = { version: "0.1.0", commit: "5e771039eefb6d20ddbcb14d028c8b4ea25e7b30" };

/** Packs `release` into `workDir` and returns the tarball's path. */
export async function packRelease(release: { commit: string }, workDir: string): Promise<string> {
  const tree = join(workDir, "tree");
  await execFileAsync("git", ["-C", REPO, "cat-file", "-e", `${release.commit}^{commit}`]).catch(() => {
    throw new Error(`commit ${release.commit} (the previous release) is not in this clone's history: fetch it (git fetch --unshallow) to run the upgrade test`);
  });
  await execFileAsync("bash", ["-c", `mkdir -p "$2" && git -C "$1" archive "$3" | tar -x -C "$2"`, "archive", REPO, tree, release.commit], { maxBuffer: BIG });
  // The release's own compiler and type packages are this checkout's (the same major versions).
  symlinkSync(join(REPO, "node_modules"), join(tree, "node_modules"));
  // Only what the package ships: its tests are not needed to pack it.
  writeFileSync(
    join(tree, "tsconfig.pack.json"),
    JSON.stringify({ extends: "./tsconfig.json", include: ["lib.ts", "provider", "components", "cli"], exclude: ["node_modules", "dist"] }),
  );
  await execFileAsync(join(REPO, "node_modules/.bin/tsc"), ["-p", "tsconfig.pack.json"], { cwd: tree, maxBuffer: BIG });
  const { stdout } = await execFileAsync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", workDir], { cwd: tree, maxBuffer: BIG });
  const [report] = JSON.parse(stdout) as { filename: string }[];
  return join(workDir, report.filename);
}
