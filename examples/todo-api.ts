// A JSON CRUD API for todos, validated by zod schemas through endpoint(), with its OpenAPI
// document and two documentation UIs built from the same schemas.
//
//   volley serve examples/todo-api.ts --workers 1 --listen 127.0.0.1:7878
//   curl -s localhost:7878/todos -H 'content-type: application/json' -d '{"title":"write docs"}'
//   open http://localhost:7878/docs (Swagger UI) or /scalar; the document is /openapi.json
//
// Invalid input never reaches a handler: it is a 400 application/problem+json naming each
// field. The todos live in the worker's memory, so run one worker: with several, each has its
// own list. The UIs need `npm install swagger-ui-dist @scalar/api-reference`.
import { Catcher, endpoint, OpenApi, Router, Scalar, Service, StatusError, SwaggerUi } from 'volley';
import * as z from 'zod';

// `.meta({ id })` names a schema: the document shows it once, under components.schemas.
const Todo = z
  .object({
    id: z.int().min(1),
    title: z.string(),
    done: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Todo' });
type Todo = z.infer<typeof Todo>;

const Title = z.string().trim().min(1).max(200);
const NewTodo = z.strictObject({ title: Title, done: z.boolean().default(false) }).meta({ id: 'NewTodo' });
const TodoPatch = z.strictObject({ title: Title.optional(), done: z.boolean().optional() }).meta({ id: 'TodoPatch' });
// The route's {id:num} already refused anything but digits; the schema makes it a number.
const ById = z.object({ id: z.coerce.number().int() });

const todos = new Map<number, Todo>();
let nextId = 1;

function find(id: number): Todo {
  const todo = todos.get(id);
  if (!todo) throw StatusError.notFound(`no todo with id ${id}`);
  return todo;
}

const notFound = { description: 'No todo with this id' };

const list = endpoint(
  {
    summary: 'List the todos',
    tags: ['todos'],
    query: z.object({ done: z.stringbool().optional() }),
    responses: { 200: z.array(Todo) },
  },
  (req) => {
    const done = req.valid.query.done;
    const all = [...todos.values()];
    return done === undefined ? all : all.filter((t) => t.done === done);
  },
);

const create = endpoint(
  {
    summary: 'Create a todo',
    tags: ['todos'],
    body: NewTodo,
    responses: { 201: { description: 'Created', schema: Todo } },
  },
  (req, res) => {
    const now = new Date().toISOString();
    const todo: Todo = { id: nextId++, ...req.valid.body, createdAt: now, updatedAt: now };
    todos.set(todo.id, todo);
    res.status(201).header('location', `/todos/${todo.id}`).json(todo);
  },
);

const show = endpoint(
  { summary: 'Get a todo', tags: ['todos'], params: ById, responses: { 200: Todo, 404: notFound } },
  (req) => find(req.valid.params.id),
);

const replace = endpoint(
  { summary: 'Replace a todo', tags: ['todos'], params: ById, body: NewTodo, responses: { 200: Todo, 404: notFound } },
  (req) => {
    const todo = find(req.valid.params.id);
    Object.assign(todo, req.valid.body, { updatedAt: new Date().toISOString() });
    return todo;
  },
);

const patch = endpoint(
  {
    summary: 'Change some fields of a todo',
    tags: ['todos'],
    params: ById,
    body: TodoPatch,
    responses: { 200: Todo, 404: notFound },
  },
  (req) => {
    const todo = find(req.valid.params.id);
    const { title, done } = req.valid.body;
    if (title !== undefined) todo.title = title;
    if (done !== undefined) todo.done = done;
    todo.updatedAt = new Date().toISOString();
    return todo;
  },
);

const remove = endpoint(
  {
    summary: 'Delete a todo',
    tags: ['todos'],
    params: ById,
    responses: { 204: { description: 'Deleted' }, 404: notFound },
  },
  (req, res) => {
    todos.delete(find(req.valid.params.id).id);
    res.status(204);
  },
);

export const router = new Router()
  .get(() => ({ todos: '/todos', openapi: '/openapi.json', docs: ['/docs', '/scalar'] }))
  .push(
    new Router('todos')
      .bodyLimit(16 * 1024)
      .get(list)
      .post(create)
      .push(new Router('{id:num}').get(show).put(replace).patch(patch).delete(remove)),
  );

export const openapi = new OpenApi('Todo API', '1.0.0', {
  info: { description: 'A JSON CRUD API for todos, served by Volley.' },
  tags: [{ name: 'todos', description: 'The todo list' }],
}).mergeRouter(router);

router
  .push(openapi.intoRouter('openapi.json'))
  .push(new SwaggerUi('/openapi.json').intoRouter('docs'))
  .push(new Scalar('/openapi.json').intoRouter('scalar'));

// Errors (404, 400, 415, 500) as application/problem+json for JSON clients.
export default new Service(router).catcher(new Catcher({ problemJson: true }));
