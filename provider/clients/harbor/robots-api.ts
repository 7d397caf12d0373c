import { HarborHttp, pathSegment } from "./harbor-http";
import { Robot, RobotCreate, RobotCreated } from "./wire-types";

export class RobotsApi {
  constructor(private readonly http: HarborHttp) {}

  /** The only answer that ever holds the robot's secret; Harbor ignores a secret sent here. */
  async create(robot: RobotCreate): Promise<RobotCreated> {
    return (await this.http.request<RobotCreated>("POST", "robots", { body: robot })).body;
  }

  async get(id: number): Promise<Robot> {
    return this.http.get<Robot>(`robots/${pathSegment(id)}`);
  }

  /** The whole robot; name and level cannot change. */
  async update(id: number, robot: Robot): Promise<void> {
    await this.http.request("PUT", `robots/${pathSegment(id)}`, { body: robot });
  }

  /** With a secret, sets that one (8-128 chars, upper, lower and digit); without, Harbor makes one. */
  async refreshSecret(id: number, secret?: string): Promise<string> {
    const response = await this.http.request<{ secret?: string }>("PATCH", `robots/${pathSegment(id)}`, { body: secret === undefined ? {} : { secret } });
    const issued = secret ?? response.body?.secret;
    if (!issued) throw new Error(`${this.http.host}: PATCH robots/${id} returned no secret`);
    return issued;
  }

  async delete(id: number): Promise<void> {
    await this.http.request("DELETE", `robots/${pathSegment(id)}`);
  }
}
