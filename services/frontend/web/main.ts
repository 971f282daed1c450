/**
 * The demo page: pick a user, and the page loads them with their posts through the frontend's
 * API, inside a `load_user_posts` span: the root of the whole waterfall, from the browser to
 * posts-service's database.
 */
import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { startBrowserTracing } from './tracing';

interface Post {
  id: number;
  title: string;
  body: string;
}
interface UserWithPosts {
  id: number;
  name: string;
  email: string;
  posts: Post[];
}
interface LoadResult {
  status: number;
  body: unknown;
  durationMs: number;
}

/** The users the page offers; the database holds 50, seeded the same way at every start. */
const USER_IDS = [1, 2, 3, 4, 5, 6];

const tracer = startBrowserTracing();
const settings = readSettings();
const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

renderUserButtons();
if (!settings.faultInjection) {
  element<HTMLSelectElement>('fault').disabled = true;
  element('fault-note').hidden = false;
}

function readSettings() {
  const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
  return { jaegerUiUrl: meta('jaeger-ui-url'), faultInjection: meta('fault-injection') === 'true' };
}

function renderUserButtons(): void {
  const list = element('users');
  for (const id of USER_IDS) {
    const button = document.createElement('button');
    button.textContent = `User ${id}`;
    button.dataset.userId = String(id);
    button.addEventListener('click', () => void loadUser(id, choices()));
    list.append(button);
  }
}

/** What the page asks of a request besides the user: a fault to inject, and the last hop's transport. */
interface Choices {
  fault: string;
  transport: string;
}

function choices(): Choices {
  return { fault: element<HTMLSelectElement>('fault').value, transport: element<HTMLSelectElement>('transport').value };
}

function loadUser(userId: number, { fault, transport }: Choices): Promise<void> {
  const attributes = { 'user.id': userId, 'demo.transport.requested': transport, ...(fault && { 'demo.fault.requested': fault }) };
  return tracer.startActiveSpan('load_user_posts', { attributes }, async (span) => {
    element('result').dataset.state = 'loading';
    try {
      // fetch() is called before the first await: the fetch span is this span's child.
      const result = await fetchUser(userId, { fault, transport });
      if (result.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${result.status}` });
      showResult(span, result);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      showResult(span, { status: 0, body: { error: { message: String(error) } }, durationMs: 0 });
    } finally {
      span.end();
    }
  });
}

async function fetchUser(userId: number, { fault, transport }: Choices): Promise<LoadResult> {
  const started = performance.now();
  // HTTP is the API's default: the URL then stays the plain one the README's first curl uses.
  const query = new URLSearchParams({ ...(transport !== 'http' && { transport }), ...(fault && { fault }) }).toString();
  const response = await fetch(`/api/users/${userId}${query ? `?${query}` : ''}`, { headers: { accept: 'application/json' } });
  const body: unknown = await response.json().catch(() => null);
  return { status: response.status, body, durationMs: performance.now() - started };
}

function showResult(span: Span, { status, body, durationMs }: LoadResult): void {
  const { traceId } = span.spanContext();
  const ok = status >= 200 && status < 300;
  const result = element('result');
  result.dataset.state = ok ? 'ok' : 'error';
  element('status').textContent = status === 0 ? 'network error' : `HTTP ${status}`;
  element('duration').textContent = `${Math.round(durationMs)} ms`;
  element('trace-id').textContent = traceId;
  const link = element<HTMLAnchorElement>('trace-link');
  link.href = `${settings.jaegerUiUrl}/trace/${traceId}`;
  link.hidden = !settings.jaegerUiUrl;
  element('error').textContent = ok ? '' : errorMessage(body);
  renderUser(ok ? (body as UserWithPosts) : undefined);
}

function errorMessage(body: unknown): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message : 'the request failed';
}

function renderUser(user: UserWithPosts | undefined): void {
  element('user-name').textContent = user ? `${user.name} <${user.email}>` : '';
  const posts = element('posts');
  posts.replaceChildren(
    ...(user?.posts ?? []).map((post) => {
      const item = document.createElement('li');
      const title = document.createElement('strong');
      title.textContent = post.title;
      item.append(title, document.createTextNode(` ${post.body}`));
      return item;
    }),
  );
}
