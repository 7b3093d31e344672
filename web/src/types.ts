// The shapes of the relay's answers that the pages read (the server's zod schemas are the source).

export interface UserView {
  id: number;
  username: string;
  role: 'admin' | 'user';
  can_login: boolean;
  camera_ids: number[];
  created_at: string;
  updated_at: string;
}
