/* A native workload with known hot functions, for the converter's oracle tests.
 * Build: cc -O0 -g -fno-omit-frame-pointer -fno-inline -o spin spin.c
 * Run:   ./spin MILLISECONDS   (burns CPU in leaf_add and leaf_mul, makes write() and read() syscalls and vDSO clock reads)
 * MILLISECONDS is CPU time, not wall time: on a busy machine the run takes longer but perf's cpu-clock samples
 * (one per period of CPU time) stay about as many, so tests may count on them. */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) unsigned long leaf_add(unsigned long n) {
    unsigned long s = 0;
    for (unsigned long i = 0; i < n; i++) s += i ^ (s >> 3);
    return s;
}

__attribute__((noinline)) unsigned long leaf_mul(unsigned long n) {
    unsigned long s = 1;
    for (unsigned long i = 1; i < n; i++) s = s * 2654435761u + i;
    return s;
}

__attribute__((noinline)) void work_a(void) { sink += leaf_add(200000); }
__attribute__((noinline)) void work_b(void) { sink += leaf_mul(100000); }

/* write() to /dev/null costs the kernel next to nothing; read() from /dev/zero clears 64 KB in the kernel each
 * time, so that about 8% of the CPU time (some 50 of a 600 ms recording's samples) has kernel frames. */
__attribute__((noinline)) void do_syscalls(int fd, int zero) {
    static char buffer[65536];
    for (int i = 0; i < 20; i++) {
        if (write(fd, buffer, 4096) < 0) return;
    }
    for (int i = 0; i < 24; i++) {
        if (read(zero, buffer, sizeof buffer) < 0) return;
    }
}

/* clock_gettime runs in the vDSO, which has no file: its frames test naming code that lives only in memory. */
__attribute__((noinline)) void read_clock(void) {
    struct timespec ts;
    for (int i = 0; i < 3000; i++) clock_gettime(CLOCK_MONOTONIC, &ts);
    sink += ts.tv_nsec;
}

static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    double millis = argc > 1 ? atof(argv[1]) : 500;
    int fd = open("/dev/null", O_WRONLY);
    int zero = open("/dev/zero", O_RDONLY);
    double start = cpu_ms();
    while (cpu_ms() - start < millis) {
        work_a();
        work_b();
        do_syscalls(fd, zero);
        read_clock();
    }
    close(fd);
    close(zero);
    return 0;
}
