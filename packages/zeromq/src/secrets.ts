import { Secret, redactUri } from '@logq/core/transport';
import type { CurveOptions } from './options.js';

/**
 * What a handler or subscriber must never show: the raw URI (which may carry a
 * password) and the CURVE secret key. Kept in {@link Secret}s, so that
 * `util.inspect` (any depth), `JSON.stringify` and `String()` of the object
 * that holds them show `***`.
 */
export class SocketSecrets {
  private readonly rawUri: Secret<string | null>;
  private readonly curve: Secret<CurveOptions | undefined>;
  /** The strings to scrub from errors: the URI's password and the secret key. */
  private readonly scrub: Secret<readonly string[]>;

  constructor(uri: string | null, curve: CurveOptions | undefined) {
    this.rawUri = new Secret(uri);
    this.curve = new Secret(curve);
    const scrub: string[] = [];
    const password = uri === null ? '' : uriPassword(uri);
    if (password) scrub.push(password, decodeURIComponentSafe(password));
    if (curve) scrub.push(curve.secretKey);
    this.scrub = new Secret(scrub);
  }

  /** The URI as given, for bind/connect only. (Methods, not getters: `inspect({ getters: true })` must not call them.) */
  revealUri(): string | null {
    return this.rawUri.reveal();
  }

  /** The URI with any password replaced by `***`: safe to show. */
  get uri(): string | null {
    const uri = this.rawUri.reveal();
    return uri === null ? null : redactUri(uri);
  }

  /** The CURVE options as given, for configuring the socket only. */
  revealCurve(): CurveOptions | undefined {
    return this.curve.reveal();
  }

  /** Strings to pass to `scrubError`. */
  scrubList(): readonly string[] {
    return this.scrub.reveal();
  }
}

/** The password part of `scheme://user:password@host…`, or ''. */
function uriPassword(uri: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s]*)@/i.exec(uri)?.[1] ?? '';
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `options` without its `curve` (kept in a {@link SocketSecrets} instead). */
export function withoutCurve<T extends { readonly curve?: CurveOptions }>(options: T): Omit<T, 'curve'> {
  const { curve: _curve, ...rest } = options;
  return rest;
}
