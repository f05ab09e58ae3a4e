import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { acrLevel, requiredAcrLevel } from './acr.ts';

/**
 * oidc-provider answers an `acr_values` request above the session's level
 * with the session's lower `acr`, silently. This check makes the login prompt
 * ask again instead, so the citizen steps up (or the app gets an error with
 * `prompt=none`).
 */
export function stepUpCheck(): InstanceType<typeof interactionPolicy.Check> {
  return new interactionPolicy.Check(
    'acr_step_up',
    'the requested authentication level is above the current sign-in',
    'login_required',
    (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const claims = oidc.claims as { id_token?: { acr?: unknown } };
      const required = requiredAcrLevel(
        oidc.params?.['acr_values'] as string | undefined,
        claims.id_token?.acr,
      );
      if (required === 0 || !oidc.session?.accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const sessionLevel = acrLevel(oidc.session.acr);
      return sessionLevel >= required
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    },
  );
}

/** The default policy with the step-up check added to the login prompt. */
export function onegateInteractionPolicy(): ReturnType<typeof interactionPolicy.base> {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(stepUpCheck());
  return policy;
}
