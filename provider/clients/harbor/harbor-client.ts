import { HarborConnection } from "./harbor-connection";
import { HarborHttp, HarborHttpOptions } from "./harbor-http";
import { ProjectsApi } from "./projects-api";
import { RegistriesApi } from "./registries-api";
import { ReplicationExecutionsApi, ReplicationPoliciesApi } from "./replication-api";
import { RobotsApi } from "./robots-api";
import { WebhookPoliciesApi } from "./webhook-policies-api";

/** Harbor's REST API (v2.0), one section per resource kind. Close it when done. */
export class HarborClient {
  readonly projects: ProjectsApi;
  readonly registries: RegistriesApi;
  readonly policies: ReplicationPoliciesApi;
  readonly executions: ReplicationExecutionsApi;
  readonly robots: RobotsApi;
  readonly webhooks: WebhookPoliciesApi;
  private readonly http: HarborHttp;

  constructor(connection: HarborConnection, options?: HarborHttpOptions) {
    this.http = new HarborHttp(connection, options);
    this.projects = new ProjectsApi(this.http);
    this.registries = new RegistriesApi(this.http);
    this.policies = new ReplicationPoliciesApi(this.http);
    this.executions = new ReplicationExecutionsApi(this.http);
    this.robots = new RobotsApi(this.http);
    this.webhooks = new WebhookPoliciesApi(this.http);
  }

  get host(): string {
    return this.http.host;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** Runs `work` with a client that is closed afterwards, whatever happens. */
export async function withHarbor<T>(connection: HarborConnection, work: (harbor: HarborClient) => Promise<T>, options?: HarborHttpOptions): Promise<T> {
  const harbor = new HarborClient(connection, options);
  try {
    return await work(harbor);
  } finally {
    await harbor.close();
  }
}
