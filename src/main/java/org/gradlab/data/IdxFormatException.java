package org.gradlab.data;

import java.io.IOException;

/** A file that is not valid IDX (or not what the caller needs); the message names the file. */
public final class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public IdxFormatException(String file, String problem) {
        super(file + ": " + problem);
    }
}
