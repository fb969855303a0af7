package io.kindling.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs a command to completion and says how long it took from spawn to exit. */
final class TimedProcess {
    /** @param nanos spawn to exit; {@code stdout} the command's standard output */
    record Outcome(long nanos, String stdout) {}

    private TimedProcess() {}

    static Outcome run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        long started = System.nanoTime();
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        int exit = process.waitFor();
        long elapsed = System.nanoTime() - started;
        if (exit != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + exit);
        }
        return new Outcome(elapsed, new String(out, StandardCharsets.UTF_8));
    }
}
