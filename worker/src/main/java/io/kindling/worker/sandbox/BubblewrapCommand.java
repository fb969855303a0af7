package io.kindling.worker.sandbox;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bwrap command line, as data: {@code bwrap-flags.tsv} lists every flag in order with its
 * reason, with {@code {name}} placeholders for per-sandbox values and {@code @name} for lists
 * (the root binds, the command). This class only fills them in.
 */
final class BubblewrapCommand {
    /** One line of the data file: the arguments it contributes and why. */
    record Flag(List<String> tokens, String reason, String where) {
        Flag {
            tokens = List.copyOf(tokens);
        }
    }

    static final Set<String> VALUES = Set.of("uid", "gid", "hostname", "tmpBytes", "workDir");
    /**
     * Values a sandbox may lack; a line naming one as {@code {name?}} is left out then: the runtime directory (only
     * some runtimes have one), and the generated /etc files and the code at /var/task, which a container image
     * sandbox does not get (the image is its whole root).
     */
    static final Set<String> OPTIONAL_VALUES = Set.of("runtimeDir", "passwd", "group", "hosts", "codeDir");
    static final Set<String> LISTS = Set.of("root", "command");

    private static final Pattern OPTIONAL = Pattern.compile("\\{([a-zA-Z]+)\\?}");

    private static final BubblewrapCommand STANDARD = new BubblewrapCommand(DataFile.read("bwrap-flags.tsv", 2));

    private final List<Flag> flags;

    BubblewrapCommand(List<DataFile.Row> rows) {
        List<Flag> parsed = new ArrayList<>();
        for (DataFile.Row row : rows) {
            List<String> tokens = Arrays.asList(row.field(0).split(" "));
            for (String token : tokens) {
                checkPlaceholders(token, row.where());
            }
            parsed.add(new Flag(tokens, row.reason(), row.where()));
        }
        this.flags = List.copyOf(parsed);
    }

    static BubblewrapCommand standard() {
        return STANDARD;
    }

    List<Flag> flags() {
        return flags;
    }

    /**
     * bwrap's argv (without the bwrap path itself): every flag with its placeholders filled in. A flag with an optional
     * placeholder whose value is absent from {@code values} is left out.
     */
    List<String> arguments(Map<String, String> values, Map<String, List<String>> lists) {
        List<String> args = new ArrayList<>();
        for (Flag flag : flags) {
            if (lacksOptionalValue(flag, values)) {
                continue;
            }
            for (String token : flag.tokens()) {
                if (token.startsWith("@")) {
                    List<String> list = lists.get(token.substring(1));
                    if (list == null) {
                        throw new IllegalStateException("no list for " + token + " at " + flag.where());
                    }
                    args.addAll(list);
                } else {
                    // Each token is filled on its own, so a value with spaces stays one argument.
                    args.add(Templates.fill(OPTIONAL.matcher(token).replaceAll("{$1}"), values));
                }
            }
        }
        return args;
    }

    /** The --args payload: {@code --setenv NAME VALUE} per variable, each argument NUL-terminated. */
    static byte[] environmentArguments(Map<String, String> environment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (var e : environment.entrySet()) {
            for (String arg : List.of("--setenv", e.getKey(), e.getValue())) {
                out.writeBytes(arg.getBytes(StandardCharsets.UTF_8));
                out.write(0);
            }
        }
        return out.toByteArray();
    }

    private static boolean lacksOptionalValue(Flag flag, Map<String, String> values) {
        for (String token : flag.tokens()) {
            var m = OPTIONAL.matcher(token);
            while (m.find()) {
                if (!values.containsKey(m.group(1))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void checkPlaceholders(String token, String where) {
        if (token.startsWith("@")) {
            if (!LISTS.contains(token.substring(1))) {
                throw new IllegalStateException(where + ": unknown list " + token);
            }
            return;
        }
        var m = Pattern.compile("\\{([a-zA-Z]+)(\\??)}").matcher(token);
        while (m.find()) {
            Set<String> known = m.group(2).isEmpty() ? VALUES : OPTIONAL_VALUES;
            if (!known.contains(m.group(1))) {
                throw new IllegalStateException(where + ": unknown placeholder " + m.group());
            }
        }
    }
}
