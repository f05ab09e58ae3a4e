/**
 * Seconds an artifact may still live: never past `maxSeconds` after `startSeconds`
 * (an absolute limit, however often it is used or rotated), and at most `idleSeconds`
 * from now when given (oidc-provider extends a session by this much at every use).
 * At least 1, so a save at the very end does not store "forever".
 */
export function remainingSeconds(
  startSeconds: number | undefined,
  maxSeconds: number,
  idleSeconds?: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): number {
  const left = startSeconds === undefined ? maxSeconds : maxSeconds - (nowSeconds - startSeconds);
  return Math.max(1, idleSeconds === undefined ? left : Math.min(idleSeconds, left));
}
