/*
 * The benchmark's fast `provided` runtime: the Lambda Runtime API loop in plain C, so an invoke
 * measures Kindling rather than a runtime's own start-up (a sh + curl bootstrap spawns two curl
 * processes per invocation). One keep-alive HTTP/1.1 connection to $AWS_LAMBDA_RUNTIME_API
 * (an IPv4 address and port), Nagle off, each request written with one writev:
 *
 *   GET  /2018-06-01/runtime/invocation/next            -> the event and its request id
 *   POST /2018-06-01/runtime/invocation/<id>/response   <- the event, echoed
 *
 * The event "clock" (the JSON string) is answered with {"main_ns":A,"next_ns":B} instead: A is
 * CLOCK_MONOTONIC when main() began, B when this /next answer had been read. The JVM's
 * System.nanoTime() reads the same clock (bubblewrap does not unshare the time namespace), so the
 * benchmark can split a cold start into before the runtime ran, its first /next, and the rest.
 * Two more events serve the async figures, where nobody reads the answer:
 *
 *   "stamp"  answered as "clock", and B also written to stdout (the function's log) as the line
 *            "kindling-bench-stamp next_ns=B": when a queued event reached the function
 *   "fail"   POST /2018-06-01/runtime/invocation/<id>/error instead of a response: a function error;
 *            "fail:N" (N a number of milliseconds) sleeps N ms first: a slow failure
 *
 * Anything unexpected (a status other than 200 for /next or 202 for the response, a closed
 * connection, a malformed answer) ends the process with status 1, as a real runtime would.
 * Built by the benchmark at start with `gcc -O2 -static` (dynamic when no static libc). Built with
 * -DONE_SHOT it answers ONE event and exits with status 0 once the response is accepted, so every
 * invoke of its function needs a new environment (the density figures' sandbox rate).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE 16384

static int api = -1;
static struct sockaddr_in api_address;
static char host_header[64];
/* Bytes read from the socket and not consumed yet: buffer[start, end). */
static char buffer[MAX_LINE * 2];
static size_t start, end;

struct answer {
    int status;
    int close_after;
    long long length;
    char request_id[128];
    char *body;
};

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void fail(const char *what) {
    fprintf(stderr, "bootstrap: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    exit(1);
}

static void connect_api(void) {
    if (api >= 0) {
        close(api);
    }
    api = socket(AF_INET, SOCK_STREAM, 0);
    if (api < 0) {
        fail("socket");
    }
    int on = 1;
    setsockopt(api, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (connect(api, (struct sockaddr *) &api_address, sizeof api_address) != 0) {
        fail("connect to the Runtime API");
    }
    start = end = 0;
}

/* Reads more bytes into the buffer, moving what is left to its front first. */
static void fill(void) {
    if (start > 0) {
        memmove(buffer, buffer + start, end - start);
        end -= start;
        start = 0;
    }
    if (end == sizeof buffer) {
        errno = 0;
        fail("header line too long");
    }
    ssize_t n;
    do {
        n = read(api, buffer + end, sizeof buffer - end);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n == 0) {
            errno = 0;
        }
        fail("reading the Runtime API's answer");
    }
    end += (size_t) n;
}

/* The next header line without its CR LF, NUL-terminated in place. */
static char *line(void) {
    for (;;) {
        char *lf = memchr(buffer + start, '\n', end - start);
        if (lf != NULL) {
            char *text = buffer + start;
            start = (size_t) (lf - buffer) + 1;
            *lf = '\0';
            if (lf > text && lf[-1] == '\r') {
                lf[-1] = '\0';
            }
            return text;
        }
        fill();
    }
}

static void read_exactly(char *into, long long length) {
    long long have = 0;
    size_t buffered = end - start;
    if (buffered > 0) {
        size_t take = buffered < (size_t) length ? buffered : (size_t) length;
        memcpy(into, buffer + start, take);
        start += take;
        have = (long long) take;
    }
    while (have < length) {
        ssize_t n = read(api, into + have, (size_t) (length - have));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = 0;
            }
            fail("reading a body");
        }
        have += n;
    }
}

static void read_answer(struct answer *a) {
    memset(a, 0, sizeof *a);
    a->length = -1;
    char *status = line();
    if (strncmp(status, "HTTP/1.", 7) != 0 || strlen(status) < 12) {
        errno = 0;
        fail("not an HTTP answer");
    }
    a->status = atoi(status + 9);
    a->close_after = status[7] == '0';
    for (char *h = line(); *h != '\0'; h = line()) {
        char *colon = strchr(h, ':');
        if (colon == NULL) {
            continue;
        }
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t') {
            value++;
        }
        if (strcasecmp(h, "Content-Length") == 0) {
            a->length = atoll(value);
        } else if (strcasecmp(h, "Lambda-Runtime-Aws-Request-Id") == 0) {
            snprintf(a->request_id, sizeof a->request_id, "%s", value);
        } else if (strcasecmp(h, "Connection") == 0 && strcasecmp(value, "close") == 0) {
            a->close_after = 1;
        } else if (strcasecmp(h, "Transfer-Encoding") == 0) {
            errno = 0;
            fail("chunked answers are not expected from the Runtime API");
        }
    }
    if (a->length < 0) {
        errno = 0;
        fail("an answer without Content-Length");
    }
    a->body = malloc((size_t) a->length + 1);
    if (a->body == NULL) {
        fail("malloc");
    }
    read_exactly(a->body, a->length);
    a->body[a->length] = '\0';
}

static void send_request(const char *method, const char *path, const char *body, size_t length) {
    char head[512];
    int n = body == NULL
            ? snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\n\r\n", method, path, host_header)
            : snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\n\r\n", method, path, host_header, length);
    if (n < 0 || (size_t) n >= sizeof head) {
        errno = 0;
        fail("request line too long");
    }
    struct iovec parts[2] = {{head, (size_t) n}, {(void *) body, body == NULL ? 0 : length}};
    int count = body == NULL || length == 0 ? 1 : 2;
    size_t total = (size_t) n + (count == 2 ? length : 0);
    size_t sent = 0;
    while (sent < total) {
        ssize_t w = writev(api, parts, count);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            fail("writing to the Runtime API");
        }
        sent += (size_t) w;
        /* A short write: drop what went out and go on with the rest. */
        size_t done = (size_t) w;
        for (int i = 0; i < count && done > 0; i++) {
            size_t step = done < parts[i].iov_len ? done : parts[i].iov_len;
            parts[i].iov_base = (char *) parts[i].iov_base + step;
            parts[i].iov_len -= step;
            done -= step;
        }
    }
}

int main(void) {
    long long main_ns = now_ns();
    const char *address = getenv("AWS_LAMBDA_RUNTIME_API");
    if (address == NULL || *address == '\0') {
        address = "127.0.0.1:9001";
    }
    snprintf(host_header, sizeof host_header, "%s", address);
    char ip[64];
    snprintf(ip, sizeof ip, "%s", address);
    char *colon = strrchr(ip, ':');
    if (colon == NULL) {
        errno = 0;
        fail("AWS_LAMBDA_RUNTIME_API is not host:port");
    }
    *colon = '\0';
    api_address.sin_family = AF_INET;
    api_address.sin_port = htons((unsigned short) atoi(colon + 1));
    if (inet_pton(AF_INET, ip, &api_address.sin_addr) != 1) {
        errno = 0;
        fail("AWS_LAMBDA_RUNTIME_API is not an IPv4 address and port");
    }
    connect_api();
    for (;;) {
        struct answer next;
        send_request("GET", "/2018-06-01/runtime/invocation/next", NULL, 0);
        read_answer(&next);
        long long next_ns = now_ns();
        if (next.status != 200 || next.request_id[0] == '\0') {
            fprintf(stderr, "bootstrap: /next answered %d\n", next.status);
            return 1;
        }
        const char *reply = next.body;
        size_t reply_length = (size_t) next.length;
        const char *outcome = "response";
        char clock[96];
        int clocked = next.length == 7 && memcmp(next.body, "\"clock\"", 7) == 0;
        int stamped = next.length == 7 && memcmp(next.body, "\"stamp\"", 7) == 0;
        if (clocked || stamped) {
            reply_length = (size_t) snprintf(clock, sizeof clock, "{\"main_ns\":%lld,\"next_ns\":%lld}", main_ns, next_ns);
            reply = clock;
        }
        if (stamped) {
            /* One write(2), unbuffered: the line reaches the log even if nothing else is ever written. */
            char line[80];
            int n = snprintf(line, sizeof line, "kindling-bench-stamp next_ns=%lld\n", next_ns);
            if (write(STDOUT_FILENO, line, (size_t) n) != n) {
                fail("writing the stamp to stdout");
            }
        }
        int failing = next.length == 6 && memcmp(next.body, "\"fail\"", 6) == 0;
        if (next.length > 7 && memcmp(next.body, "\"fail:", 6) == 0 && next.body[next.length - 1] == '"') {
            failing = 1;
            long ms = atol(next.body + 6);
            struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
            while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
            }
        }
        if (failing) {
            static const char error[] = "{\"errorMessage\":\"failing on purpose\",\"errorType\":\"BenchFailure\"}";
            outcome = "error";
            reply = error;
            reply_length = sizeof error - 1;
        }
        char path[256];
        snprintf(path, sizeof path, "/2018-06-01/runtime/invocation/%s/%s", next.request_id, outcome);
        send_request("POST", path, reply, reply_length);
        struct answer accepted;
        read_answer(&accepted);
        if (accepted.status != 202) {
            fprintf(stderr, "bootstrap: the %s was answered %d: %s\n", outcome, accepted.status, accepted.body);
            return 1;
        }
#ifdef ONE_SHOT
        return 0;
#endif
        int reconnect = next.close_after || accepted.close_after;
        free(next.body);
        free(accepted.body);
        if (reconnect) {
            connect_api();
        }
    }
}
