package io.kindling.frontend.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The one percent-encoding SigV4 accepts: RFC 3986 unreserved characters stay, every other byte
 * of the UTF-8 form becomes {@code %XX} with upper-case hex. {@code java.net.URLEncoder} is not it:
 * that one writes spaces as {@code +} and leaves {@code *} alone.
 */
final class UriEncoding {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UriEncoding() {}

    /** Encodes the UTF-8 form of {@code text}; {@code /} stays only if {@code keepSlash}. */
    static String encode(String text, boolean keepSlash) {
        return encode(text.getBytes(StandardCharsets.UTF_8), keepSlash);
    }

    static String encode(byte[] bytes, boolean keepSlash) {
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (isUnreserved(c) || (keepSlash && c == '/')) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >>> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    /**
     * Undoes percent-encoding down to bytes. A {@code +} stays a plus: the SDKs send a space as
     * {@code %20} and a plus as {@code %2B}, so reading {@code +} as a space would only break
     * signatures. A {@code %} not followed by two hex digits is kept as it is. Bytes rather than a
     * string so that a sequence that is not valid UTF-8 survives re-encoding unchanged.
     */
    static byte[] decode(String encoded) {
        byte[] raw = encoded.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            int high;
            int low;
            if (raw[i] == '%' && i + 2 < raw.length
                    && (high = Character.digit(raw[i + 1], 16)) >= 0
                    && (low = Character.digit(raw[i + 2], 16)) >= 0) {
                out.write((high << 4) | low);
                i += 2;
            } else {
                out.write(raw[i]);
            }
        }
        return out.toByteArray();
    }

    static String decodeToString(String encoded) {
        return new String(decode(encoded), StandardCharsets.UTF_8);
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.' || c == '~';
    }
}
