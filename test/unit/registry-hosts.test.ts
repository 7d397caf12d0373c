import assert from "node:assert/strict";
import { test } from "node:test";
import {
  acrEnterpriseHost,
  acrEnterpriseVpcHost,
  artifactRegistryHost,
  artifactRegistryPath,
  GCR_HOSTS,
  isArtifactRegistryHost,
  registryHostOf,
} from "../../provider/clients/registry-hosts";
import { isArtifactRegistryHost as googleIsArtifactRegistryHost } from "../../provider/clients/google";

/** The cloud registries' host names, spelled in one module for components, the plan and the clients. */

test("ACR Enterprise endpoints are named after the instance and its region", () => {
  assert.equal(acrEnterpriseHost("myinstance", "cn-hangzhou"), "myinstance-registry.cn-hangzhou.cr.aliyuncs.com");
  assert.equal(acrEnterpriseVpcHost("myinstance", "cn-hangzhou"), "myinstance-registry-vpc.cn-hangzhou.cr.aliyuncs.com");
});

test("Artifact Registry hosts and paths, gcr.io repositories under the project alone", () => {
  assert.equal(artifactRegistryHost("europe-west4"), "europe-west4-docker.pkg.dev");
  assert.equal(artifactRegistryPath("dr-project", { repositoryId: "dr-images" }), "dr-project/dr-images");
  assert.equal(artifactRegistryPath("dr-project", { gcrHost: "eu.gcr.io" }), "dr-project");
  assert.deepEqual(GCR_HOSTS, ["gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io"]);
});

test("the hosts Artifact Registry serves are recognised, whatever names them", () => {
  for (const host of [artifactRegistryHost("us"), artifactRegistryHost("europe-west4"), ...GCR_HOSTS, "EU.GCR.IO", "europe-west4-docker.pkg.dev:443"])
    assert.ok(isArtifactRegistryHost(host), host);
  for (const host of [acrEnterpriseHost("dr", "cn-hangzhou"), "docker.pkg.dev", "gcr.io.example.com", "registry.example.com"])
    assert.ok(!isArtifactRegistryHost(host), host);
  assert.equal(googleIsArtifactRegistryHost, isArtifactRegistryHost, "the Google client's rule is this module's");
});

test("a registry's host from a URL or host:port", () => {
  assert.equal(registryHostOf("https://harbor.example.com/"), "harbor.example.com");
  assert.equal(registryHostOf("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
  assert.equal(registryHostOf("registry.internal:5000"), "registry.internal:5000");
});
