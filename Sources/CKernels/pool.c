// A small persistent thread pool for the matrix products: workers wait spinning briefly, then sleep on a
// condition variable, so a product split over 2 threads costs microseconds to start instead of a dispatch
// round trip. One caller uses the pool at a time; a caller that finds it busy (another engine in the same
// process) runs its parts itself.
//
// Parts are taken from a shared counter, not dealt out in advance: when a worker is not running (a server's
// other threads have the core), the caller does its parts instead of waiting for it, and the caller's wait for
// the workers' check-in gives its core away (sched_yield) instead of spinning against the thread it waits
// for. Which thread computes a part never changes the part's arithmetic.
#include "kernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <unistd.h>

#define MAX_THREADS 64
#define SPIN_ITERATIONS 4000

static struct {
    pthread_once_t once;
    int threads;                 // including the calling thread
    pthread_mutex_t busy;        // held by the caller whose job the workers run
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    atomic_int generation;       // bumped for each job
    atomic_int pending;          // workers that have not checked in for the current job
    atomic_int next;             // the next part to take
    tnlp_task_fn fn;
    void *ctx;
    int parts;
} pool = { .once = PTHREAD_ONCE_INIT, .busy = PTHREAD_MUTEX_INITIALIZER, .mutex = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/// Runs parts of the current job until none is left.
static void take_parts(void) {
    for (;;) {
        int part = atomic_fetch_add_explicit(&pool.next, 1, memory_order_acq_rel);
        if (part >= pool.parts) return;
        pool.fn(pool.ctx, part, pool.parts);
    }
}

static void *worker(void *arg) {
    const int id = (int)(size_t)arg;   // 1 ... threads-1; the caller is 0
    int seen = 0;
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&pool.generation, memory_order_acquire) == seen && spins < SPIN_ITERATIONS) {
#if defined(__x86_64__)
            __builtin_ia32_pause();
#endif
            spins++;
        }
        if (atomic_load_explicit(&pool.generation, memory_order_acquire) == seen) {
            pthread_mutex_lock(&pool.mutex);
            while (atomic_load_explicit(&pool.generation, memory_order_acquire) == seen) pthread_cond_wait(&pool.wake, &pool.mutex);
            pthread_mutex_unlock(&pool.mutex);
        }
        seen = atomic_load_explicit(&pool.generation, memory_order_acquire);
        (void)id;
        take_parts();
        atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_acq_rel);
    }
    return 0;
}

static void start(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    pool.threads = cores < 1 ? 1 : (cores > MAX_THREADS ? MAX_THREADS : (int)cores);
    for (int i = 1; i < pool.threads; i++) {
        pthread_t t;
        if (pthread_create(&t, 0, worker, (void *)(size_t)i) != 0) { pool.threads = i; break; }
        pthread_detach(t);
    }
}

int tnlp_threads(void) {
    pthread_once(&pool.once, start);
    return pool.threads;
}

void tnlp_parallel(tnlp_task_fn fn, void *ctx, int parts) {
    pthread_once(&pool.once, start);
    if (pool.threads == 1 || parts <= 1 || pthread_mutex_trylock(&pool.busy) != 0) {
        for (int p = 0; p < parts; p++) fn(ctx, p, parts);
        return;
    }
    pool.fn = fn;
    pool.ctx = ctx;
    pool.parts = parts;
    atomic_store_explicit(&pool.pending, pool.threads - 1, memory_order_release);
    atomic_store_explicit(&pool.next, 0, memory_order_release);
    pthread_mutex_lock(&pool.mutex);
    atomic_fetch_add_explicit(&pool.generation, 1, memory_order_acq_rel);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mutex);
    take_parts();
    for (int spins = 0; atomic_load_explicit(&pool.pending, memory_order_acquire) > 0; spins++) {
        if (spins < 2000) {
#if defined(__x86_64__)
            __builtin_ia32_pause();
#endif
        } else {
            sched_yield();
        }
    }
    pthread_mutex_unlock(&pool.busy);
}
