// A JSON CRUD API for todos: params, body validation with RFC 9457 problem details, 404s.
//
//   volley serve examples/todo-api.ts --workers 1 --listen 127.0.0.1:7878
//   curl -s localhost:7878/todos -H 'content-type: application/json' -d '{"title":"write docs"}'
//
// The todos live in the worker's memory, so run one worker: with several, each has its own list.
import { Catcher, type Handler, type Request, type Response, Router, Service, StatusError } from 'volley';

interface Todo {
  id: number;
  title: string;
  done: boolean;
  createdAt: string;
  updatedAt: string;
}

interface FieldError {
  field: string;
  message: string;
}

const todos = new Map<number, Todo>();
let nextId = 1;

/** Answers 422 with problem details that list every invalid field (RFC 9457 `errors` extension). */
function invalid(res: Response, errors: FieldError[]): void {
  const problem = {
    type: 'about:blank',
    title: 'Unprocessable Entity',
    status: 422,
    detail: `${errors.length} invalid field(s)`,
    errors,
  };
  res.status(422).text(JSON.stringify(problem), 'application/problem+json');
}

/** The body as a JSON object: 415 for another content type, 400 for malformed JSON or a non-object. */
async function jsonObject(req: Request): Promise<Record<string, unknown>> {
  const type = req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw StatusError.unsupportedMediaType('send the todo as application/json');
  }
  const body = await req.json();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw StatusError.badRequest('the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Checks the fields of a todo; `partial` (PATCH) makes every field optional. */
function validate(body: Record<string, unknown>, partial: boolean): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) {
    if (key !== 'title' && key !== 'done') errors.push({ field: key, message: 'unknown field' });
  }
  if (body.title === undefined) {
    if (!partial) errors.push({ field: 'title', message: 'is required' });
  } else if (typeof body.title !== 'string' || body.title.trim() === '') {
    errors.push({ field: 'title', message: 'must be a non-empty string' });
  } else if (body.title.length > 200) {
    errors.push({ field: 'title', message: 'must be at most 200 characters' });
  }
  if (body.done !== undefined && typeof body.done !== 'boolean') {
    errors.push({ field: 'done', message: 'must be true or false' });
  }
  return errors;
}

function find(req: Request): Todo {
  const id = Number(req.param('id'));
  const todo = todos.get(id);
  if (!todo) throw StatusError.notFound(`no todo with id ${id}`);
  return todo;
}

const list: Handler = (req) => {
  const done = req.query('done');
  const all = [...todos.values()];
  if (done === undefined) return all;
  if (done !== 'true' && done !== 'false') throw StatusError.badRequest("query 'done' must be true or false");
  return all.filter((t) => t.done === (done === 'true'));
};

const create: Handler = async (req, res) => {
  const body = await jsonObject(req);
  const errors = validate(body, false);
  if (errors.length > 0) return invalid(res, errors);
  const now = new Date().toISOString();
  const todo: Todo = {
    id: nextId++,
    title: (body.title as string).trim(),
    done: (body.done as boolean | undefined) ?? false,
    createdAt: now,
    updatedAt: now,
  };
  todos.set(todo.id, todo);
  res.status(201).header('location', `/todos/${todo.id}`).json(todo);
};

const show: Handler = (req) => find(req);

const update =
  (partial: boolean): Handler =>
  async (req, res) => {
    const todo = find(req);
    const body = await jsonObject(req);
    const errors = validate(body, partial);
    if (errors.length > 0) return invalid(res, errors);
    if (body.title !== undefined) todo.title = (body.title as string).trim();
    if (body.done !== undefined) todo.done = body.done as boolean;
    else if (!partial) todo.done = false;
    todo.updatedAt = new Date().toISOString();
    return todo;
  };

const remove: Handler = (req, res) => {
  const todo = find(req);
  todos.delete(todo.id);
  res.status(204);
};

export const router = new Router()
  .get(() => ({ todos: '/todos' }))
  .push(
    new Router('todos')
      .bodyLimit(16 * 1024)
      .get(list)
      .post(create)
      .push(new Router('{id:num}').get(show).put(update(false)).patch(update(true)).delete(remove)),
  );

// Errors (404, 400, 415, 500) as application/problem+json for JSON clients.
export default new Service(router).catcher(new Catcher({ problemJson: true }));
