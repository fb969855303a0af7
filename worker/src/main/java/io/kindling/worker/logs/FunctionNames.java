package io.kindling.worker.logs;

import java.util.regex.Pattern;

/** The only check between a function name and a directory name, so nothing else may build a path from one. */
final class FunctionNames {
    /** Lambda's own rule for a function name (the name part of an ARN). */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private FunctionNames() {}

    static String requireValid(String functionName) {
        if (functionName == null || !NAME.matcher(functionName).matches()) {
            throw new IllegalArgumentException("not a function name (1 to 64 of a-z, A-Z, 0-9, - and _): "
                    + (functionName == null ? "null" : "\"" + printable(functionName) + "\""));
        }
        return functionName;
    }

    private static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "…" : text;
        return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
