import { ServiceClient } from '@demo/service-kit';

export interface UserWithPosts {
  id: number;
  name: string;
  email: string;
  posts: Array<{ id: number; title: string; body: string; visibility: string; createdAt: string }>;
}

/** The frontend's outbound client: the one place it talks to users-service. */
export class UsersClient {
  private readonly client: ServiceClient;

  constructor(baseURL: string, timeoutMs: number) {
    this.client = new ServiceClient({ service: 'users-service', baseURL, timeoutMs });
  }

  getUser(id: number): Promise<UserWithPosts> {
    return this.client.getJson<UserWithPosts>(`/users/${id}`);
  }
}
