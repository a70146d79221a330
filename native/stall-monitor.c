/*
 * Load-aware steering's eyes (issue 19): which worker slot has stopped accepting.
 *
 * The kernel hashes each new connection to a slot's SO_REUSEPORT socket without knowing that
 * the worker behind it is stuck in a long callback; the connection then waits in that socket's
 * accept queue. Two signals together say "stuck" without false alarms:
 *
 * - progress cells: a shared memory array (a memfd the primary creates and every worker maps)
 *   where each worker's libuv check handle writes, once per event-loop iteration, the time
 *   (CLOCK_MONOTONIC, a vDSO read) its loop last came round. No JS runs for it.
 * - accept queues: getsockopt(TCP_INFO) on a listening socket reports its current accept
 *   backlog in tcpi_unacked.
 *
 * A slot is stalled when connections wait in its queue and its loop has not come round for
 * `stallUs`: a worker idle in epoll_wait wakes for the first connection at once, a busy one
 * comes round between batches. It recovers as soon as its loop comes round again, whatever
 * its queue holds (so taking its queued connections away does not end the stall). A stalled
 * slot whose loop has not come round for `strandUs` with connections waiting is reported as
 * stranded, and again every 2 `lookUs` while connections still wait and another worker has
 * room: each report is a chance for the primary to take them and hand them to that worker.
 *
 * A thread in the primary looks at the moment a stall could be due while connections wait
 * (`stallUs` after the loop's last turn, and not before a second look saw them wait), when
 * a stalled slot's next stranded report is due, and every `idleLookUs` otherwise (every `lookUs`
 * while the app blocks often: pace()). It does not
 * poll for a recovery: a stalled slot's cell asks its worker to wake the thread (a futex on a
 * word in the same memfd) at its loop's next turn, so a recovery is seen within microseconds
 * and a 20 ms stall costs the primary three or four wake-ups instead of one per `lookUs` (each
 * wake-up costs the primary CPU: about 20-40 µs on a virtual machine; measured at churn c32 on
 * the skewed bench app, polling every 1 ms while stalled was half of the thread's CPU). Only
 * transitions reach JS, through a thread-safe function: what to do about them
 * (steering/load-steering.ts) is TypeScript, unit-tested with fakes.
 *
 * Exports:
 *   createProgressCells(count) -> fd              the memfd (primary; workers inherit it): count
 *                                               cells, then one for the wake-up word
 *   attachProgressCell(fd, index)                 a worker writes cell `index` once per loop turn
 *   startStallMonitor(cellsFd, count, { lookUs, idleLookUs, stallUs, strandUs, alertUs, alertStalls },
 *                     onChange(slot, state, queued, sinceTurnUs))  state 0 recovered, 1 stalled,
 *                                               2 stranded; sinceTurnUs: since its loop last came round
 *   watchStalls(monitor, [{ slot, fds }])         the slots to watch (replaces the list)
 *   stopStallMonitor(monitor)                     joins the thread
 *   acceptQueueLength(fd) -> n                    one listening socket's backlog now
 *   acceptQueued(fd, max) -> fds                  takes up to max queued connections (rescue)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#ifdef __linux__
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#endif

#include "napi-args.h"
#include "socket-tools.h"
#include "stall-monitor.h"

/*
 * One cell per cache line, so two workers' writes never share a line. A cell holds the time of
 * the loop's last turn (uint64 at offset 0) and a wake-up request (uint32 at WANT_WAKE): set by
 * the monitor while the slot is stalled, cleared by the worker that wakes it. The cell after
 * the last holds the word the monitor sleeps on (a futex shared by every process mapping it).
 */
#define CELL_BYTES 64
#define WANT_WAKE 8
#define MAX_WATCHED 256
#define MAX_FDS_PER_SLOT 16

/* `count` cells and the wake-up word's cell. */
static size_t cells_bytes(uint32_t count) { return ((size_t)count + 1) * CELL_BYTES; }

static uint32_t *want_wake_of(char *cell) { return (uint32_t *)(cell + WANT_WAKE); }

/* Wakes whatever sleeps on `word` (the monitor thread) after moving it on. */
static void wake_word(uint32_t *word) {
  __atomic_add_fetch(word, 1, __ATOMIC_RELEASE);
#if defined(__linux__) && defined(SYS_futex)
  /* Not FUTEX_PRIVATE: the word is shared between processes through the memfd. */
  syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#endif
}

/* Reads a call's two number arguments (fd, then a count or an index). */
static int two_int_args(napi_env env, napi_callback_info info, int32_t *a, int32_t *b) {
  size_t argc = 2;
  napi_value argv[2];
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 2 && int_arg(env, argv[0], a) &&
         int_arg(env, argv[1], b);
}

static int open_memfd(void) {
#ifdef SYS_memfd_create
  /* Through syscall(2): older musl has no memfd_create() wrapper. MFD_CLOEXEC = 1. */
  return (int)syscall(SYS_memfd_create, "volley-progress", 1u);
#else
  errno = ENOSYS;
  return -1;
#endif
}

/* createProgressCells(count) -> fd */
napi_value create_progress_cells(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !int_arg(env, argv[0], &count) ||
      count <= 0 || count > 65536)
    return type_error(env, "createProgressCells(count: 1..65536)");
  int fd = open_memfd();
  if (fd < 0) return throw_sys(env, errno, "memfd_create", NULL);
  if (ftruncate(fd, (off_t)cells_bytes((uint32_t)count)) != 0) {
    int err = errno;
    close(fd);
    return throw_sys(env, err, "ftruncate", NULL);
  }
  return make_int(env, fd);
}

/* ---- the worker's side: one uv_check handle that bumps a counter ---- */

typedef struct {
  uv_check_t handle;
  uint64_t *cell;
  uint32_t *want_wake;
  uint32_t *wake;
} progress_hook_t;

static uint64_t monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void on_check(uv_check_t *handle) {
  progress_hook_t *hook = (progress_hook_t *)handle;
  /* Store, then load, both seq_cst: the monitor does the same in the other order (look()). */
  __atomic_store_n(hook->cell, monotonic_ns(), __ATOMIC_SEQ_CST);
  /* The monitor saw this loop stalled and waits to hear it came round: one syscall a stall. */
  if (__atomic_load_n(hook->want_wake, __ATOMIC_SEQ_CST) && __atomic_exchange_n(hook->want_wake, 0, __ATOMIC_ACQ_REL))
    wake_word(hook->wake);
}

/* attachProgressCell(fd, index): maps the cells and writes cell `index` once per loop iteration. */
napi_value attach_progress_cell(napi_env env, napi_callback_info info) {
  int32_t fd, index;
  if (!two_int_args(env, info, &fd, &index) || fd < 0 || index < 0)
    return type_error(env, "attachProgressCell(fd: number, index: number)");
  off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0) return throw_sys(env, errno, "lseek", NULL);
  /* The last cell is the wake-up word's, not a slot's. */
  size_t cells = (size_t)size / CELL_BYTES;
  if (cells < 2 || (size_t)index >= cells - 1) return throw_sys(env, ERANGE, "attachProgressCell", NULL);
  void *map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return throw_sys(env, errno, "mmap", NULL);
  /* The mapping stays for the life of the process: the fd is no longer needed. */
  close(fd);
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return type_error(env, "attachProgressCell: no event loop");
  /* Lives as long as the process: a worker never detaches. */
  progress_hook_t *hook = calloc(1, sizeof *hook);
  if (!hook) return throw_sys(env, ENOMEM, "calloc", NULL);
  hook->cell = (uint64_t *)((char *)map + (size_t)index * CELL_BYTES);
  hook->want_wake = want_wake_of((char *)hook->cell);
  hook->wake = (uint32_t *)((char *)map + (cells - 1) * CELL_BYTES);
  __atomic_store_n(hook->cell, monotonic_ns(), __ATOMIC_RELAXED);
  uv_check_init(loop, &hook->handle);
  uv_check_start(&hook->handle, on_check);
  /* Never keeps the worker alive by itself. */
  uv_unref((uv_handle_t *)&hook->handle);
  return NULL;
}

/* ---- the primary's side: the monitor thread ---- */

typedef struct {
  int32_t slot;
  int nfds;
  int fds[MAX_FDS_PER_SLOT];
  /* The loop's time when the stall began (0: not stalled), and when it was last reported stranded. */
  uint64_t stalled_at;
  uint64_t stranded_at;
  /*
   * When a look first saw connections queued with no loop turn since (0: the queue was empty
   * at the last look), and the loop's last turn then.
   */
  uint64_t queued_since;
  uint64_t queued_ran;
  /* Connections in its queues at this look. */
  int queued;
  /* The current stall was reported (it became actionable: another slot had room). */
  int reported;
} watched_t;

typedef struct {
  int32_t slot;
  int32_t stalled; /* 0 recovered, 1 stalled, 2 stranded */
  int32_t queued;
  /* Microseconds since the slot's loop last came round, when the change was seen. */
  double since_turn_us;
} change_t;

typedef struct {
  pthread_t thread;
  pthread_mutex_t lock;
  napi_threadsafe_function on_change;
  char *cells;
  /* The word workers bump to wake the thread (the cell after the last). */
  uint32_t *wake;
  size_t cells_size;
  uint32_t cell_count;
  long look_ns, idle_look_ns;
  uint64_t stall_ns, strand_ns, alert_ns;
  uint32_t alert_stalls;
  /* Until when the thread looks every lookUs while nothing waits (0: idle pace); see pace(). */
  uint64_t alert_until;
  /* Stalls reported since alert_window_at (the window is alertUs long). */
  uint64_t alert_window_at;
  uint32_t stalls_in_window;
  int running;
  int count;
  watched_t watched[MAX_WATCHED];
} monitor_t;

/* A listening socket's accept backlog now, or -1. */
static int queue_length(int fd) {
#ifdef __linux__
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return -1;
  return (int)ti.tcpi_unacked;
#else
  (void)fd;
  return -1;
#endif
}

static void emit(monitor_t *m, int32_t slot, int stalled, int queued, uint64_t since_turn_ns) {
  change_t *c = malloc(sizeof *c);
  if (!c) return;
  c->slot = slot;
  c->stalled = stalled;
  c->queued = queued;
  c->since_turn_us = (double)since_turn_ns / 1000.0;
  if (napi_call_threadsafe_function(m->on_change, c, napi_tsfn_nonblocking) != napi_ok) free(c);
}

/* A stranded slot is reported again this many lookUs after its last report while connections wait. */
#define STRAND_AGAIN 2

/*
 * Whether a slot other than `w` is not stalled and has an empty queue at this look: room.
 * Stricter than the primary's choice of rescue targets (slot-steering.ts's ROOM_BACKLOG: a
 * queue of at most 2): it only holds back reports, and under hello churn a report whenever
 * the other queue is short costs the primary's loop more wake-ups than it saves.
 */
static int room_elsewhere(const monitor_t *m, const watched_t *w) {
  for (int i = 0; i < m->count; i++) {
    const watched_t *v = &m->watched[i];
    if (v != w && v->stalled_at == 0 && v->queued == 0) return 1;
  }
  return 0;
}

static char *cell_of(const monitor_t *m, const watched_t *w) {
  return m->cells + (size_t)((uint32_t)w->slot % m->cell_count) * CELL_BYTES;
}

/*
 * A stalled slot whose loop has come round since has recovered. Seen for every slot before any
 * is looked at, so that one slot's look does not count another as stalled that has just come
 * round (room_elsewhere).
 */
static void see_recovery(monitor_t *m, watched_t *w) {
  if (w->stalled_at == 0) return;
  char *cell = cell_of(m, w);
  if (__atomic_load_n((const uint64_t *)cell, __ATOMIC_RELAXED) == w->stalled_at) return;
  w->stalled_at = 0;
  __atomic_store_n(want_wake_of(cell), 0, __ATOMIC_RELAXED);
  if (w->reported) emit(m, w->slot, 0, w->queued, 0);
  w->reported = 0;
}

/*
 * How soon to look again while nothing waits: every idleLookUs, or every lookUs while the app
 * blocks often (alert: alertStalls reported stalls within alertUs, for the next alertUs). A
 * connection that arrives at a worker already stuck waits for the next look to be seen at all,
 * so the idle pace is most of a rescue's delay (half of idleLookUs on average); an app that
 * blocks often keeps doing so (a slow route, a GC-heavy load), and one that does not keeps the
 * cheap pace. Measured on bench/skew.ts's app at churn c4 (about 40 reported stalls a second):
 * the slowest request of a 5 s run went from a median 38 ms to 34 ms, the thread's wake-ups
 * from 240 to 830 a second; 1 ms looks while idle would cost the primary 1.2% of a core (0.4%
 * at the 8 ms pace). Under hello churn (wrk -c64) about 3 stalls a second are reported, when
 * the scheduler leaves a worker off the CPU for 5-18 ms: too few to turn the alert on.
 */
static uint64_t pace(const monitor_t *m, uint64_t now) {
  return now < m->alert_until ? (uint64_t)m->look_ns : (uint64_t)m->idle_look_ns;
}

/* A stall was reported: count it, and turn the alert on if the app blocks often. */
static void note_stall(monitor_t *m, uint64_t now) {
  if (m->alert_stalls == 0) return;
  if (now - m->alert_window_at >= m->alert_ns) {
    m->alert_window_at = now;
    m->stalls_in_window = 0;
  }
  if (++m->stalls_in_window >= m->alert_stalls) m->alert_until = now + m->alert_ns;
}

/*
 * How soon a slot whose next event is `due` needs its next look: never sooner than lookUs, and
 * at the idle pace while every other worker has a backlog too (saturation). Then a stall could
 * not be reported, nor a stalled slot's connections rescued, and looking when they are due
 * would only cost wake-ups. Measured under hello churn, wrk -c64: the thread's CPU fell from 5-7
 * to 3-4 ticks per 5 s and the reports by a third; for a slot already stalled, on the skewed
 * app at churn c32, its wake-ups fell from about 490 to 170 a second and the primary's CPU by
 * a third; churn c4 and c32 req/s unchanged.
 */
static uint64_t next_look(const monitor_t *m, const watched_t *w, uint64_t due) {
  if (!room_elsewhere(m, w) && due < (uint64_t)m->idle_look_ns) due = (uint64_t)m->idle_look_ns;
  return due > (uint64_t)m->look_ns ? due : (uint64_t)m->look_ns;
}

/*
 * One look at a slot; returns how soon it needs the next.
 *
 * A slot stalls when connections wait in its queue and its loop has not come round for stallUs.
 * An idle worker's last turn may be long ago (it sleeps in epoll_wait) and it wakes for a new
 * connection within microseconds, so waiting connections count only once a second look, lookUs
 * after the first that saw them, finds them still there and the loop still not come round.
 * Timing the stall from the loop's last turn (not from the first look that saw the queue) is
 * what makes it quick: a connection that arrives 4 ms into a 20 ms block can be moved 2 ms
 * later, not 5-13 ms later (measured on bench/skew.ts's app at churn c4: how long the loop had
 * not come round when its stall was reported went from a median 9.8 ms, 90th percentile 15 ms,
 * to 6.6 ms and 11.5 ms).
 */
static uint64_t look(monitor_t *m, watched_t *w, uint64_t now) {
  char *cell = cell_of(m, w);
  uint64_t ran = __atomic_load_n((const uint64_t *)cell, __ATOMIC_RELAXED);
  int queued = w->queued;
  /* Connections that wait across a loop turn are not the ones first seen: seen anew. */
  if (queued == 0) {
    w->queued_since = 0;
  } else if (w->queued_since == 0 || ran != w->queued_ran) {
    w->queued_since = now;
    w->queued_ran = ran;
  }
  /* How long its loop has not come round, and how long this thread has seen connections wait. */
  uint64_t since_turn = ran == 0 || ran > now ? 0 : now - ran;
  uint64_t waited = queued == 0 ? 0 : now - w->queued_since;
  uint64_t look_ns = (uint64_t)m->look_ns;
  int waiting = ran != 0 && queued > 0 && waited >= look_ns;
  if (w->stalled_at == 0) {
    /* ran == 0: no worker of the slot has attached yet (starting): not ours to judge. */
    if (waiting && since_turn >= m->stall_ns) {
      /*
       * Ask the worker to wake the thread at its next turn, then look once more: either the
       * worker sees the request, or this sees its turn (both sides store, then load, seq_cst).
       */
      __atomic_store_n(want_wake_of(cell), 1, __ATOMIC_SEQ_CST);
      if (__atomic_load_n((const uint64_t *)cell, __ATOMIC_SEQ_CST) != ran) {
        __atomic_store_n(want_wake_of(cell), 0, __ATOMIC_RELAXED);
        return look_ns; /* it came round just now: no stall */
      }
      w->stalled_at = ran;
      w->stranded_at = 0;
      w->reported = 0;
    }
  } else if (ran != w->stalled_at) {
    /* It came round between see_recovery() and here. */
    see_recovery(m, w);
  }
  /*
   * A stall is reported once it is actionable: some other slot keeps up (not stalled, empty
   * queue). When every worker has a backlog (saturation, or a batch of connections handled in
   * one loop turn), nothing can be done about it, and reports would only cost the primary's
   * loop a wake-up each (under hello churn most 5 ms stalls were of that kind). Looks while it
   * lasts check again.
   */
  if (w->stalled_at != 0 && !w->reported && room_elsewhere(m, w)) {
    w->reported = 1;
    note_stall(m, now);
    emit(m, w->slot, 1, queued, since_turn);
  }
  /*
   * A stalled worker is known to be busy: whatever waits in its queue now is stranded. Reported
   * while another worker has room, and again every STRAND_AGAIN lookUs while connections still
   * wait: a rescue moves a few at a time (slot-steering.ts), and the ones it left (or that
   * arrived before the steering took effect) should not wait for the next strandUs.
   */
  uint64_t again_ns = STRAND_AGAIN * look_ns;
  if (w->reported && queued > 0 && since_turn >= m->strand_ns &&
      (w->stranded_at == 0 || now - w->stranded_at >= again_ns) && room_elsewhere(m, w)) {
    w->stranded_at = now;
    emit(m, w->slot, 2, queued, since_turn);
  }
  if (w->stalled_at != 0) {
    /* Its worker wakes the thread when it comes round; until then only a stranded report is due. */
    if (queued == 0) return (uint64_t)m->idle_look_ns;
    uint64_t due = m->strand_ns > since_turn ? m->strand_ns - since_turn : 0;
    if (w->stranded_at != 0) {
      uint64_t since_report = now - w->stranded_at;
      uint64_t again = again_ns > since_report ? again_ns - since_report : 0;
      if (again > due) due = again;
    }
    return next_look(m, w, due);
  }
  if (ran == 0 || queued == 0) return pace(m, now);
  /* Connections wait: the stall is due when they have been seen twice and the loop is stallUs late. */
  uint64_t until_seen = waited >= look_ns ? 0 : look_ns - waited;
  uint64_t until_stall = m->stall_ns > since_turn ? m->stall_ns - since_turn : 0;
  return next_look(m, w, until_seen > until_stall ? until_seen : until_stall);
}

/* Sleeps until `deadline` (CLOCK_MONOTONIC), or until a worker moves `word` on from `seen`. */
static void sleep_until(uint32_t *word, uint32_t seen, const struct timespec *deadline) {
#if defined(__linux__) && defined(SYS_futex)
  /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline; EAGAIN: already moved on. */
  if (syscall(SYS_futex, word, FUTEX_WAIT_BITSET, seen, deadline, NULL, FUTEX_BITSET_MATCH_ANY) == 0 ||
      errno != ENOSYS)
    return;
#else
  (void)word;
  (void)seen;
#endif
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL) == EINTR) {
  }
}

static void *monitor_main(void *arg) {
  monitor_t *m = arg;
  struct timespec next;
  for (;;) {
    pthread_mutex_lock(&m->lock);
    if (!m->running) {
      pthread_mutex_unlock(&m->lock);
      break;
    }
    /* Read before looking: a worker's wake-up after this makes the wait below return at once. */
    uint32_t seen = __atomic_load_n(m->wake, __ATOMIC_ACQUIRE);
    uint64_t now = monotonic_ns();
    uint64_t interval = pace(m, now);
    /* Every queue first: a slot's stall is judged against the others' room. */
    for (int i = 0; i < m->count; i++) {
      watched_t *w = &m->watched[i];
      w->queued = 0;
      for (int j = 0; j < w->nfds; j++) {
        int n = queue_length(w->fds[j]);
        if (n > 0) w->queued += n;
      }
      see_recovery(m, w);
    }
    for (int i = 0; i < m->count; i++) {
      uint64_t wait = look(m, &m->watched[i], now);
      if (wait < interval) interval = wait;
    }
    pthread_mutex_unlock(&m->lock);
    /*
     * A loaded worker's queue is rarely empty at a look, yet its loop comes round every
     * millisecond or so: looking only when a stall could be due, not every lookUs while any
     * queue holds a connection, is what keeps the primary's share under load near zero
     * (measured: 1 ms looks cost it 3% of a core under hello churn).
     */
    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_sec += (time_t)(interval / 1000000000ULL);
    next.tv_nsec += (long)(interval % 1000000000ULL);
    while (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      next.tv_sec++;
    }
    sleep_until(m->wake, seen, &next);
  }
  return NULL;
}

static void call_on_change(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)context;
  change_t *c = data;
  if (env && js_cb) {
    napi_value argv[4], undefined;
    napi_create_int32(env, c->slot, &argv[0]);
    napi_create_int32(env, c->stalled, &argv[1]);
    napi_create_int32(env, c->queued, &argv[2]);
    napi_create_double(env, c->since_turn_us, &argv[3]);
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, js_cb, 4, argv, NULL);
  }
  free(c);
}

static monitor_t *monitor_arg(napi_env env, napi_value v) {
  void *data = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

static void stop_monitor(monitor_t *m) {
  pthread_mutex_lock(&m->lock);
  int was = m->running;
  m->running = 0;
  pthread_mutex_unlock(&m->lock);
  if (!was) return;
  wake_word(m->wake);
  pthread_join(m->thread, NULL);
  napi_release_threadsafe_function(m->on_change, napi_tsfn_abort);
  munmap((void *)m->cells, m->cells_size);
}

static void finalize_monitor(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  monitor_t *m = data;
  stop_monitor(m);
  pthread_mutex_destroy(&m->lock);
  free(m);
}

static int int_prop(napi_env env, napi_value obj, const char *name, int32_t *out) {
  napi_value v;
  return napi_get_named_property(env, obj, name, &v) == napi_ok && int_arg(env, v, out);
}

/* startStallMonitor(cellsFd, cellCount, { lookUs, idleLookUs, stallUs, strandUs }, onChange) -> monitor */
napi_value start_stall_monitor(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, count, look_us, idle_us, stall_us, strand_us, alert_us, alert_stalls;
  napi_valuetype t;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4 || !int_arg(env, argv[0], &fd) ||
      !int_arg(env, argv[1], &count) || fd < 0 || count <= 0 || !int_prop(env, argv[2], "lookUs", &look_us) ||
      !int_prop(env, argv[2], "idleLookUs", &idle_us) || !int_prop(env, argv[2], "stallUs", &stall_us) ||
      !int_prop(env, argv[2], "strandUs", &strand_us) || !int_prop(env, argv[2], "alertUs", &alert_us) ||
      !int_prop(env, argv[2], "alertStalls", &alert_stalls) || look_us < 100 || idle_us < look_us || stall_us < 0 ||
      strand_us < stall_us || alert_us < 0 || alert_stalls < 0 || napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function)
    return type_error(env,
                      "startStallMonitor(cellsFd, cellCount, { lookUs >= 100, idleLookUs >= lookUs, stallUs, "
                      "strandUs >= stallUs, alertUs >= 0, alertStalls >= 0 }, onChange)");
  monitor_t *m = calloc(1, sizeof *m);
  if (!m) return throw_sys(env, ENOMEM, "calloc", NULL);
  m->cell_count = (uint32_t)count;
  m->cells_size = cells_bytes((uint32_t)count);
  /* A memfd smaller than the cells would raise SIGBUS at the first look. */
  struct stat st;
  int size_err = fstat(fd, &st) != 0 ? errno : (size_t)st.st_size < m->cells_size ? ERANGE : 0;
  if (size_err != 0) {
    free(m);
    return throw_sys(env, size_err, "startStallMonitor", NULL);
  }
  /* Writable: the thread sets the cells' wake-up requests. */
  void *map = mmap(NULL, m->cells_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    int err = errno;
    free(m);
    return throw_sys(env, err, "mmap", NULL);
  }
  m->cells = map;
  m->wake = (uint32_t *)((char *)map + (size_t)count * CELL_BYTES);
  m->look_ns = (long)look_us * 1000L;
  m->idle_look_ns = (long)idle_us * 1000L;
  m->stall_ns = (uint64_t)stall_us * 1000u;
  m->strand_ns = (uint64_t)strand_us * 1000u;
  m->alert_ns = (uint64_t)alert_us * 1000u;
  /* 0: never. */
  m->alert_stalls = (uint32_t)alert_stalls;
  pthread_mutex_init(&m->lock, NULL);
  napi_value name;
  napi_create_string_utf8(env, "volley stall monitor", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[3], NULL, name, 0, 1, NULL, NULL, NULL, call_on_change,
                                      &m->on_change) != napi_ok) {
    munmap(map, m->cells_size);
    free(m);
    return type_error(env, "startStallMonitor: could not create the callback");
  }
  /* The monitor never keeps the primary alive. */
  napi_unref_threadsafe_function(env, m->on_change);
  m->running = 1;
  int err = pthread_create(&m->thread, NULL, monitor_main, m);
  if (err != 0) {
    m->running = 0;
    napi_release_threadsafe_function(m->on_change, napi_tsfn_abort);
    munmap(map, m->cells_size);
    free(m);
    return throw_sys(env, err, "pthread_create", NULL);
  }
  napi_value external;
  napi_create_external(env, m, finalize_monitor, NULL, &external);
  return external;
}

/* watchStalls(monitor, [{ slot, fds }]): the new list keeps what the old one saw of each slot. */
napi_value watch_stalls(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  monitor_t *m;
  bool is_array = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || !(m = monitor_arg(env, argv[0])) ||
      napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array)
    return type_error(env, "watchStalls(monitor, [{ slot, fds }])");
  uint32_t n;
  napi_get_array_length(env, argv[1], &n);
  if (n > MAX_WATCHED) return type_error(env, "watchStalls: at most 256 slots");
  watched_t next[MAX_WATCHED];
  memset(next, 0, sizeof next);
  for (uint32_t i = 0; i < n; i++) {
    napi_value item, slot_v, fds_v;
    bool fds_array = false;
    uint32_t nfds;
    napi_get_element(env, argv[1], i, &item);
    if (napi_get_named_property(env, item, "slot", &slot_v) != napi_ok || !int_arg(env, slot_v, &next[i].slot) ||
        napi_get_named_property(env, item, "fds", &fds_v) != napi_ok ||
        napi_is_array(env, fds_v, &fds_array) != napi_ok || !fds_array)
      return type_error(env, "watchStalls: each entry is { slot: number, fds: number[] }");
    napi_get_array_length(env, fds_v, &nfds);
    if (nfds > MAX_FDS_PER_SLOT) return type_error(env, "watchStalls: at most 16 sockets a slot");
    for (uint32_t j = 0; j < nfds; j++) {
      napi_value fd_v;
      napi_get_element(env, fds_v, j, &fd_v);
      if (!int_arg(env, fd_v, &next[i].fds[j])) return type_error(env, "watchStalls: fds are numbers");
    }
    next[i].nfds = (int)nfds;
  }
  pthread_mutex_lock(&m->lock);
  for (uint32_t i = 0; i < n; i++) {
    for (int k = 0; k < m->count; k++) {
      if (m->watched[k].slot != next[i].slot) continue;
      next[i].stalled_at = m->watched[k].stalled_at;
      next[i].stranded_at = m->watched[k].stranded_at;
      next[i].queued_since = m->watched[k].queued_since;
      next[i].queued_ran = m->watched[k].queued_ran;
      next[i].reported = m->watched[k].reported;
    }
  }
  memcpy(m->watched, next, sizeof next);
  m->count = (int)n;
  pthread_mutex_unlock(&m->lock);
  return NULL;
}

/* stopStallMonitor(monitor) */
napi_value stop_stall_monitor(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  monitor_t *m;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !(m = monitor_arg(env, argv[0])))
    return type_error(env, "stopStallMonitor(monitor)");
  stop_monitor(m);
  return NULL;
}

/* acceptQueueLength(fd) -> connections waiting in a listening socket's accept queue */
napi_value accept_queue_length(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !int_arg(env, argv[0], &fd) ||
      fd < 0)
    return type_error(env, "acceptQueueLength(fd: number)");
  int n = queue_length(fd);
  if (n < 0) return throw_sys(env, errno, "getsockopt(TCP_INFO)", NULL);
  return make_int(env, n);
}

/*
 * acceptQueued(fd, max) -> fds: takes connections waiting on a stalled slot's socket, without
 * ever blocking (poll with no timeout first: the socket's O_NONBLOCK is the workers' to set).
 */
napi_value accept_queued(napi_env env, napi_callback_info info) {
  int32_t fd, max;
  if (!two_int_args(env, info, &fd, &max) || fd < 0 || max < 0)
    return type_error(env, "acceptQueued(fd: number, max: number)");
  napi_value out;
  napi_create_array(env, &out);
  uint32_t taken = 0;
  while ((int32_t)taken < max) {
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) break;
    int conn = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (conn < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break; /* EAGAIN: a worker took it first */
    }
    napi_set_element(env, out, taken++, make_int(env, conn));
  }
  return out;
}
