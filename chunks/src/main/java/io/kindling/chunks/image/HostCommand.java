package io.kindling.chunks.image;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one host tool (mkfs.erofs, losetup, mount, umount) to completion with a deadline, logging its
 * output as it comes and keeping only a bounded tail of it for the error message: a tool that
 * prints a line per file of a huge tree costs a fixed amount of memory, not one proportional to
 * the tree.
 *
 * <p>stdout and stderr are merged: these tools write progress to one and problems to the other,
 * and an error message reads best with both in the order they were written.
 */
public final class HostCommand {
    private static final Logger LOG = LoggerFactory.getLogger(HostCommand.class);
    /** The tail kept for error messages. */
    static final int TAIL_CHARS = 4096;
    /** A longer line is cut; a tool printing without newlines cannot grow the buffer. */
    static final int LINE_CHARS = 1024;
    /** Lines logged per command; the rest are only counted. */
    static final int LOGGED_LINES = 100;
    /** How long the output is read after the process ended. */
    private static final Duration OUTPUT_GRACE = Duration.ofSeconds(5);

    /** How the command ended: its exit code and the last {@link #TAIL_CHARS} characters of its output. */
    public record Result(List<String> command, int exitCode, String outputTail) {
        public boolean succeeded() {
            return exitCode == 0;
        }

        /** One line for error messages: the command, its exit code and what it printed. */
        public String describe() {
            return String.join(" ", command) + " exited with " + exitCode
                    + (outputTail.isBlank() ? "" : ": " + outputTail.strip());
        }
    }

    private HostCommand() {}

    /**
     * Runs {@code command} and waits for it at most {@code timeout}; past it the process is killed.
     * The output is read on a virtual thread so the caller's thread only waits for the exit.
     */
    public static Result run(List<String> command, Duration timeout) throws HostCommandException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new HostCommandException.NotRunnable(command, e);
        }
        OutputTail output = new OutputTail(command.getFirst());
        Thread reader = Thread.ofVirtual().name("host-command-output").start(() -> output.drain(process.getInputStream()));
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                process.waitFor();
                reader.join(OUTPUT_GRACE);
                throw new HostCommandException.TimedOut(command, timeout, output.tail());
            }
            // A helper the tool left running may hold the pipe open: its output is not waited for.
            reader.join(OUTPUT_GRACE);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new HostCommandException.Interrupted(command, e);
        }
        return new Result(List.copyOf(command), process.exitValue(), output.tail());
    }

    /** Collects the last lines of a process's output and logs the first ones. */
    private static final class OutputTail {
        private final String tool;
        private final Deque<String> lines = new ArrayDeque<>();
        private final StringBuilder line = new StringBuilder();
        private int tailChars;
        private long lineCount;

        OutputTail(String tool) {
            this.tool = tool;
        }

        void drain(InputStream in) {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    // Tools print ASCII; a multi-byte character split across reads is at worst garbled in a log line.
                    String text = new String(buffer, 0, n, StandardCharsets.UTF_8);
                    for (int i = 0; i < text.length(); i++) {
                        char c = text.charAt(i);
                        if (c == '\n' || c == '\r') {
                            endLine();
                        } else if (line.length() < LINE_CHARS) {
                            line.append(c);
                        }
                    }
                }
            } catch (IOException e) {
                // The process was killed or closed its output: what was read so far is the tail.
            }
            endLine();
            synchronized (this) {
                if (lineCount > LOGGED_LINES) {
                    LOG.debug("{}: {} more lines not logged", tool, lineCount - LOGGED_LINES);
                }
            }
        }

        private synchronized void endLine() {
            if (line.isEmpty()) {
                return;
            }
            String text = line.toString();
            line.setLength(0);
            if (++lineCount <= LOGGED_LINES) {
                LOG.debug("{}: {}", tool, text);
            }
            lines.addLast(text);
            tailChars += text.length() + 1;
            while (tailChars > TAIL_CHARS && lines.size() > 1) {
                tailChars -= lines.removeFirst().length() + 1;
            }
        }

        synchronized String tail() {
            return String.join("\n", lines);
        }
    }
}
