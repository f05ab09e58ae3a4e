/** Shared between the shutdown sequence and the routes that must notice it. */
export interface Lifecycle {
  draining: boolean;
}
