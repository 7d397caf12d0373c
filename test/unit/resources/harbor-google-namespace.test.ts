import assert from "node:assert/strict";
import { test } from "node:test";
import { harborReplicationPolicyProvider } from "../../../provider/resources/harbor";

/** HarborReplicationPolicy's check for a google-gcr remote: the destination namespace starts with the project. */

const harbor = { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" };
const rule = {
  name: "to-ar",
  direction: "push",
  remoteRegistryId: 3,
  filters: { name: "library/**", resource: "image" },
  trigger: { type: "event_based" },
  flatten: -1,
  harbor,
};
const failures = async (news: Record<string, unknown>) =>
  Object.fromEntries(
    ((await harborReplicationPolicyProvider.check!({}, news)).failures as { property: string; reason: string }[]).map((failure) => [
      failure.property,
      failure.reason,
    ]),
  );

test("a namespace starting with the project passes: <project>/<repository> for Artifact Registry, <project> for gcr.io", async () => {
  assert.deepEqual(await failures({ ...rule, googleProject: "dr-project", destNamespace: "dr-project/dr-images" }), {});
  assert.deepEqual(await failures({ ...rule, googleProject: "dr-project", destNamespace: "dr-project" }), {});
});

test("a namespace outside the project is refused, showing where a sample repository would land", async () => {
  const { destNamespace } = await failures({ ...rule, googleProject: "dr-project", destNamespace: "dr-images", filters: { name: "library/private/nginx" } });
  assert.match(destNamespace, /expected a namespace starting with the Google Cloud project dr-project, such as dr-project\/<repository id>/);
  assert.match(destNamespace, /with "dr-images" library\/private\/nginx would go to dr-images\/nginx, outside the project/);
  assert.match((await failures({ ...rule, googleProject: "dr-project" })).destNamespace, /with "" library\/team\/app would go to library\/team\/app/);
  assert.match(
    (await failures({ ...rule, googleProject: "dr-project", destNamespace: "dr-project-2/x" })).destNamespace,
    /outside the project/,
    "a prefix of another project's id is not the project",
  );
});

test("googleProject is a project id; without it nothing Google-specific is checked", async () => {
  assert.match((await failures({ ...rule, googleProject: "My Project", destNamespace: "x" })).googleProject, /expected a Google Cloud project id/);
  assert.deepEqual(await failures({ ...rule, destNamespace: "dr-images" }), {});
});
