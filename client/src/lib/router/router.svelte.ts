/**
 * Hash routing: `#/` the create page, `#/join/<token>` a meeting, `#/groups/new` the weekly
 * group's create page, `#/group/<token>` a weekly group's page (rules G1-G8). Tokens stay in the fragment,
 * which browsers never send to the server, so they never reach its logs.
 */
export type Route =
  | { name: 'create' }
  | { name: 'join'; token: string }
  | { name: 'groupNew' }
  | { name: 'group'; token: string }
  | { name: 'notFound' };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/') return { name: 'create' };
  if (path === '/groups/new' || path === '/groups/new/') return { name: 'groupNew' };
  const linked = /^\/(join|group)\/([^/?#]+)\/?$/.exec(path);
  if (linked?.[1] && linked[2]) {
    const name = linked[1] as 'join' | 'group';
    try {
      return { name, token: decodeURIComponent(linked[2]) };
    } catch {
      return { name, token: '' };
    }
  }
  return { name: 'notFound' };
}

export class HashRouter {
  #route = $state.raw<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));

  get route(): Route {
    return this.#route;
  }

  /** Starts following `location.hash`; returns the stop function (for `$effect`). */
  listen(): () => void {
    const onChange = () => {
      this.#route = parseHash(location.hash);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }

  static href(route: Route): string {
    switch (route.name) {
      case 'create':
        return '#/';
      case 'join':
        return `#/join/${encodeURIComponent(route.token)}`;
      case 'groupNew':
        return '#/groups/new';
      case 'group':
        return `#/group/${encodeURIComponent(route.token)}`;
      case 'notFound':
        return '#/404';
      default:
        return assertNever(route);
    }
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected route ${JSON.stringify(x)}`);
}
