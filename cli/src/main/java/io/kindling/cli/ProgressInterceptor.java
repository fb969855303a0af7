package io.kindling.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Draws an upload progress bar on the terminal for request bodies that take more than a moment
 * to send. The SDK reads the body once to sign it and once to send it; each read restarts the bar.
 */
final class ProgressInterceptor implements ExecutionInterceptor {
    private static final long QUIET_NANOS = 500_000_000L;
    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final String label;

    ProgressInterceptor(PrintWriter out, String label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public Optional<RequestBody> modifyHttpContent(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        return context.requestBody().map(body -> {
            long total = body.optionalContentLength().orElse(-1L);
            if (total <= 0) {
                return body;
            }
            return RequestBody.fromContentProvider(() -> new Counting(body.contentStreamProvider().newStream(), total,
                    out, label), total, body.contentType());
        });
    }

    /** A stream that draws {@code label}'s bar on {@code out} as it is read, once reading takes more than a moment. */
    static final class Counting extends FilterInputStream {
        private final long total;
        private final PrintWriter out;
        private final String label;
        private final long started = System.nanoTime();
        private long sent;
        private int drawn = -1;

        Counting(InputStream in, long total, PrintWriter out, String label) {
            super(in);
            this.total = total;
            this.out = out;
            this.label = label;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            advance(b < 0 ? 0 : 1, b < 0);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            advance(Math.max(n, 0), n < 0);
            return n;
        }

        private void advance(int n, boolean end) {
            sent += n;
            if (System.nanoTime() - started < QUIET_NANOS) {
                return;
            }
            int percent = (int) (100 * sent / total);
            if (percent != drawn) {
                drawn = percent;
                int filled = WIDTH * percent / 100;
                out.printf("\r%s [%s%s] %3d%% %.1f/%.1f MB", label, "#".repeat(filled), ".".repeat(WIDTH - filled), percent,
                        sent / 1e6, total / 1e6);
                if (end || sent >= total) {
                    out.println();
                }
                out.flush();
            }
        }
    }
}
