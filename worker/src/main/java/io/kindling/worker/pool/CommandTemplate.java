package io.kindling.worker.pool;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Placeholders in a runtime's command, filled per function when an environment starts:
 * <ul>
 *   <li>{@code {handler}}: the configured handler, e.g. {@code example.Handler::handleRequest};
 *   <li>{@code {memoryMb}}: the configured memory in MB (Lambda's MB are MiB);
 *   <li>{@code {memoryKiB:N%}}: N percent of that memory in KiB, rounded, e.g. Lambda's Java heap
 *       {@code -XX:MaxHeapSize={memoryKiB:85%}k} is {@code 445645k} at 512 MB.
 * </ul>
 * The values come from the worker, never from a shell, so an argument stays one argument whatever it holds.
 */
final class CommandTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern PERCENT_OF_MEMORY = Pattern.compile("memoryKiB:(\\d{1,3})%");

    private CommandTemplate() {}

    /** Refuses an argument with a placeholder this class cannot fill: a packaging bug, found when runtimes load. */
    static void check(String argument) {
        Matcher m = PLACEHOLDER.matcher(argument);
        while (m.find()) {
            String name = m.group(1);
            Matcher percent = PERCENT_OF_MEMORY.matcher(name);
            boolean known = name.equals("handler") || name.equals("memoryMb")
                    || (percent.matches() && Integer.parseInt(percent.group(1)) <= 100);
            if (!known) {
                throw new IllegalArgumentException("unknown placeholder " + m.group() + " in command argument: " + argument);
            }
        }
    }

    static String fill(String argument, String handler, int memoryMb) {
        Matcher m = PLACEHOLDER.matcher(argument);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            Matcher percent = PERCENT_OF_MEMORY.matcher(name);
            String value;
            if (name.equals("handler")) {
                value = handler;
            } else if (name.equals("memoryMb")) {
                value = Integer.toString(memoryMb);
            } else if (percent.matches()) {
                value = Long.toString(Math.round(memoryMb * 1024L * Integer.parseInt(percent.group(1)) / 100.0));
            } else {
                throw new IllegalArgumentException("unknown placeholder " + m.group() + " in command argument: " + argument);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
