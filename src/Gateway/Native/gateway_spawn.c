/*
 * gateway_spawn: starts a worker process that dies with the gateway, with one exec (the bootstrap's).
 *
 * Why this file exists: a worker must die when the gateway dies, even when the gateway is killed with
 * SIGKILL and gets no chance to clean up. Linux offers exactly that through PR_SET_PDEATHSIG, but it can
 * only be set by the child itself, between fork and exec, and posix_spawn has no attribute for it. The
 * gateway used to exec `setpriv --pdeathsig KILL -- bootstrap`, which costs a second exec of a dynamically
 * linked program (1-3 ms measured; a native-AOT bootstrap starts and exits in 2-3 ms). Running managed code in
 * a forked child is not an option (the .NET runtime is not fork-safe), so the few system calls between
 * fork and exec are done here, in C, the way glibc's posix_spawn does them:
 *
 *   clone(CLONE_VM | CLONE_VFORK) on a small private stack: no page tables are copied, and the calling
 *   thread sleeps until the child has exec'd (or failed), so a failed exec is reported synchronously,
 *   with its errno, like posix_spawn;
 *   every signal blocked around clone and every disposition reset in the child before anything is
 *   unblocked, so none of the gateway's signal handlers can run in the child (which shares its memory);
 *   then, in the child: the move into the environment's cgroups (before any of the function's code can run,
 *   so nothing it starts escapes the limits), the switch to the worker's user and groups (raw system calls:
 *   glibc's setuid would signal every thread of the *gateway*, whose thread list this child shares), then
 *   PR_SET_PDEATHSIG(SIGKILL) (after the switch: a change of effective ids clears it), a check that the gateway
 *   did not die before that (getppid), a new session, stdin from /dev/null, stdout and stderr onto the output socket, the working
 *   directory, every other descriptor closed, Lambda's open-file and locked-memory limits, an empty signal mask, and
 *   execve.
 *
 * PR_SET_PDEATHSIG fires when the *thread* that created the child exits, so the gateway calls this from
 * dedicated threads that live as long as the process (ProcessSpawner). The calling thread cannot exit
 * before the child has set the signal: it is held in clone until the child has exec'd. Linked statically into the
 * native-AOT gateway (DirectPInvoke); built as libgateway_spawn.so for the JIT build that tests use.
 * Needs Linux and glibc 2.34+ (closefrom).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bumped when the signature of gateway_spawn changes; the managed side checks it. */
#define GATEWAY_SPAWN_VERSION 2

/* Where the child failed: the managed side words its error by step (a failed exec is the function's fault). */
enum spawn_step
{
    STEP_NONE = 0,
    STEP_CLONE = 1,
    STEP_PARENT_DEATH_SIGNAL = 2,
    STEP_SESSION = 3,
    STEP_STDIO = 4,
    STEP_WORKING_DIRECTORY = 5,
    STEP_EXEC = 6,
    STEP_CGROUP = 7,
    STEP_USER = 8,
};

struct child_args
{
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *working_directory;
    int output_fd;
    /* NULL-terminated cgroup.procs paths to write "0" (this process) to, or NULL. */
    char *const *cgroup_procs;
    /* The user to become, or -1 to stay the gateway's; its groups (gid first, then the supplementary ones). */
    int uid;
    const int *gids;
    int gid_count;
    pid_t parent;
    /* Written by the child, read by the parent once clone returns (shared memory: CLONE_VM). */
    volatile int error;
    volatile int step;
};

static __attribute__((noreturn)) void child_fail(struct child_args *args, int step, int error)
{
    args->step = step;
    args->error = error != 0 ? error : EINVAL;
    _exit(127);
}

/* Moves fd above the standard descriptors (so dup2 onto 0..2 cannot clobber it); -1 on failure. */
static int above_stdio(int fd)
{
    return fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/* Sets a limit no higher than it is: a soft or hard value already below Lambda's stays. */
static void lower_limit(int resource, struct rlimit wanted)
{
    struct rlimit now;
    if (getrlimit(resource, &now) != 0)
    {
        return;
    }
    if (now.rlim_cur < wanted.rlim_cur)
    {
        wanted.rlim_cur = now.rlim_cur;
    }
    if (now.rlim_max < wanted.rlim_max)
    {
        wanted.rlim_max = now.rlim_max;
    }
    if (wanted.rlim_cur > wanted.rlim_max)
    {
        wanted.rlim_cur = wanted.rlim_max;
    }
    (void)setrlimit(resource, &wanted);
}

static int child_main(void *p)
{
    struct child_args *args = p;

    /* Default dispositions for everything: handlers would run gateway code in this shared address space,
       and an ignored signal (.NET ignores SIGPIPE) would stay ignored across exec. Errors are expected for
       SIGKILL, SIGSTOP and the signals glibc reserves for itself. */
    struct sigaction default_action;
    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
    {
        (void)sigaction(sig, &default_action, NULL);
    }

    /* Into the environment's cgroups while still the gateway's user (root owns the cgroup files). "0" is the
       writer itself, in v1 and v2 alike. */
    for (char *const *procs = args->cgroup_procs; procs != NULL && *procs != NULL; procs++)
    {
        int fd = open(*procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
        {
            child_fail(args, STEP_CGROUP, errno);
        }
        close(fd);
    }

    /* Groups, then gid, then uid (after setresuid there is no privilege left to change the others). Raw system
       calls: the libc wrappers broadcast the change to every thread of the process they think they are in. With a
       non-root uid the kernel clears the capability sets; the exec keeps them empty. */
    if (args->uid >= 0)
    {
        gid_t groups[16];
        int extra = args->gid_count - 1;
        if (extra < 0 || extra > 16)
        {
            child_fail(args, STEP_USER, EINVAL);
        }
        for (int i = 0; i < extra; i++)
        {
            groups[i] = (gid_t)args->gids[i + 1];
        }
        gid_t gid = (gid_t)args->gids[0];
        uid_t uid = (uid_t)args->uid;
        if (syscall(SYS_setgroups, (size_t)extra, groups) != 0 || syscall(SYS_setresgid, gid, gid, gid) != 0
            || syscall(SYS_setresuid, uid, uid, uid) != 0)
        {
            child_fail(args, STEP_USER, errno);
        }
    }

    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    {
        child_fail(args, STEP_PARENT_DEATH_SIGNAL, errno);
    }
    /* The gateway may have died between clone and prctl; then nobody would ever send the signal. */
    if (getppid() != args->parent)
    {
        child_fail(args, STEP_PARENT_DEATH_SIGNAL, ESRCH);
    }

    /* Its own session and process group, so the gateway can kill the bootstrap and all it started. */
    if (setsid() < 0)
    {
        child_fail(args, STEP_SESSION, errno);
    }

    int output = above_stdio(args->output_fd);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0)
    {
        null_fd = above_stdio(null_fd);
    }
    if (output < 0 || null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(output, 1) < 0 || dup2(output, 2) < 0)
    {
        child_fail(args, STEP_STDIO, errno);
    }

    if (chdir(args->working_directory) != 0)
    {
        child_fail(args, STEP_WORKING_DIRECTORY, errno);
    }

    /* Nothing of the gateway's (listening sockets, other workers' output, files) leaks into a worker. */
    closefrom(3);

    /* Lambda's limits where the gateway's own differ (recorded on AWS, LocalStack's test_runtime_ulimits): 1,024 open
       files (the gateway keeps 20,000 for its connections; code that leaks descriptors must fail here as there) and
       64 KiB of locked memory. Only lowered, so a worker user may set them too; the rest match already, or are left
       alone on purpose (RLIMIT_NPROC counts per user, and every environment of a function shares its user;
       RLIMIT_CORE would let a crash write a core dump through the host's core_pattern). */
    struct rlimit files = { 1024, 1024 };
    struct rlimit locked = { 65536, 65536 };
    lower_limit(RLIMIT_NOFILE, files);
    lower_limit(RLIMIT_MEMLOCK, locked);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    execve(args->path, args->argv, args->envp);
    child_fail(args, STEP_EXEC, errno);
}

int gateway_spawn_version(void)
{
    return GATEWAY_SPAWN_VERSION;
}

/*
 * Starts path with argv and envp (NULL-terminated) in working_directory, stdout and stderr on output_fd,
 * stdin on /dev/null, in a new session, with default signal dispositions and an empty mask, killed by
 * SIGKILL when the calling thread exits; first moved into each cgroup whose cgroup.procs is listed in cgroup_procs
 * (NULL-terminated, or NULL), then, when uid >= 0, run as uid with gids[0] and the supplementary gids[1..] (at most
 * 16). Returns 0 and the child's pid, or an errno value and the step
 * that failed (a child that failed has been reaped). output_fd is left open for the caller to close.
 */
int gateway_spawn(const char *path, char *const argv[], char *const envp[], const char *working_directory,
                  int output_fd, char *const cgroup_procs[], int uid, const int *gids, int gid_count,
                  int *child_pid, int *failed_step)
{
    struct child_args args = {
        .path = path,
        .argv = argv,
        .envp = envp,
        .working_directory = working_directory,
        .output_fd = output_fd,
        .cgroup_procs = cgroup_procs,
        .uid = uid,
        .gids = gids,
        .gid_count = gid_count,
        .parent = getpid(),
        .error = 0,
        .step = STEP_NONE,
    };
    *child_pid = -1;
    *failed_step = STEP_NONE;

    /* The child needs little stack: a few system calls, glibc's closefrom fallback at most. */
    const size_t stack_size = 64 * 1024;
    char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
    {
        *failed_step = STEP_CLONE;
        return errno;
    }

    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    pid_t pid = clone(child_main, stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    munmap(stack, stack_size);

    if (pid < 0)
    {
        *failed_step = STEP_CLONE;
        return clone_error;
    }
    if (args.error != 0)
    {
        /* Reap it here: the caller never learns this pid. */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        {
        }
        *failed_step = args.step;
        return args.error;
    }
    *child_pid = pid;
    return 0;
}
