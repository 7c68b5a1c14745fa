package org.gradlab.cli;

import java.nio.charset.Charset;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An output folder's name, as given: never empty, and never a name the JVM could not receive
 * exactly. The JVM decodes its arguments with the system's file-name encoding (UTF-8 under a UTF-8
 * locale) and turns bytes that are not valid in it into U+FFFD, so writing there would create a
 * folder of another name; such a name is refused instead.
 */
final class OutFolder implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
        if (value.isBlank()) {
            throw new TypeConversionException("'" + value + "' is not a folder name; name the output folder, e.g. runs/mine");
        }
        String encoding = System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name());
        if (value.indexOf('\uFFFD') >= 0) {
            throw new TypeConversionException("'" + value + "' holds bytes that are not valid " + encoding + " (shown as \uFFFD); "
                    + "gradlab would write to another name: use a name in " + encoding);
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new TypeConversionException("'" + value.replace("\0", "\\0") + "' is not a valid path: " + e.getReason());
        }
    }
}
