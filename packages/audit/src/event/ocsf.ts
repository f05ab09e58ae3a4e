import type { AuditEvent } from './event-schema.ts';

/**
 * An event in OCSF 1.3 terms, for SIEMs that speak it: sign-in and sign-out
 * as Authentication (3002), authorization decisions as Authorize Session
 * (3003), everything else as API Activity (6003). What OCSF has no field for
 * stays under `unmapped`, so nothing recorded is lost in the export.
 */
export const OCSF_VERSION = '1.3.0';

const AUTHENTICATION = { class_uid: 3002, class_name: 'Authentication', category_uid: 3 };
const AUTHORIZE_SESSION = { class_uid: 3003, class_name: 'Authorize Session', category_uid: 3 };
const API_ACTIVITY = { class_uid: 6003, class_name: 'API Activity', category_uid: 6 };

function classOf(action: string): typeof AUTHENTICATION {
  if (/^(login|logout|token)(\.|$)/.test(action)) return AUTHENTICATION;
  if (action.startsWith('authz.decision')) return AUTHORIZE_SESSION;
  return API_ACTIVITY;
}

/** Authentication: 1 Logon, 2 Logoff; otherwise 99 Other (the action's own name is kept). */
function activityOf(cls: typeof AUTHENTICATION, action: string): number {
  if (cls === AUTHENTICATION) return action.startsWith('logout') ? 2 : action.startsWith('login') ? 1 : 99;
  return 99;
}

export function toOcsf(event: AuditEvent, index: number): Record<string, unknown> {
  const cls = classOf(event.action);
  const activity = activityOf(cls, event.action);
  const ok = event.outcome === 'success';
  return {
    ...cls,
    category_name: cls.category_uid === 3 ? 'Identity & Access Management' : 'Application Activity',
    activity_id: activity,
    activity_name: event.action,
    type_uid: cls.class_uid * 100 + activity,
    time: Date.parse(event.time),
    severity_id: ok ? 1 : 3,
    status_id: ok ? 1 : 2,
    status: ok ? 'Success' : 'Failure',
    ...(event.reason === undefined ? {} : { status_detail: event.reason }),
    actor: {
      user: {
        uid: event.actor.id,
        type: event.actor.type,
        ...(event.actor.name ? { name: event.actor.name } : {}),
      },
      ...(event.actor.department ? { org: { uid: event.actor.department } } : {}),
      ...(event.source?.clientId ? { app_uid: event.source.clientId } : {}),
      ...(event.sessionId ? { session: { uid: event.sessionId } } : {}),
    },
    ...(event.source?.address || event.source?.userAgent
      ? {
          src_endpoint: { ...(event.source.address ? { ip: event.source.address } : {}) },
          ...(event.source.userAgent ? { http_request: { user_agent: event.source.userAgent } } : {}),
        }
      : {}),
    ...(event.target?.resource ? { resources: [{ uid: event.target.resource }] } : {}),
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'OneGate', vendor_name: 'OneGate' },
      uid: String(index),
      logged_time: Date.parse(event.recorded.at),
      ...(event.requestId ? { correlation_uid: event.requestId } : {}),
    },
    unmapped: {
      ...(event.target?.subject ? { data_subject: event.target.subject } : {}),
      ...(event.purpose ? { purpose_of_use: event.purpose } : {}),
      ...(event.traceId ? { trace_id: event.traceId } : {}),
      recorded_by: event.recorded.by,
      ...(event.details ? { details: event.details } : {}),
    },
  };
}
