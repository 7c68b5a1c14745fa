package org.gradlab.optim;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Generic access to optimizer state records (components are numbers, arrays or null), for
 * roll-backs and checkpoints.
 */
public final class States {
    private States() {
    }

    /** Copies every record, duplicating each array component (outside any workspace: state outlives a step). */
    public static Map<String, Record> deepCopy(Map<String, Record> state) {
        Map<String, Record> out = new LinkedHashMap<>();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            state.forEach((n, r) -> {
                Map<String, Object> values = components(r);
                values.replaceAll((k, v) -> v instanceof INDArray a ? a.dup() : v);
                out.put(n, create(r.getClass(), values));
            });
        }
        return out;
    }

    /** The record's components by name, in declaration order. */
    public static Map<String, Object> components(Record r) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                out.put(c.getName(), c.getAccessor().invoke(r));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getName(), e);
            }
        }
        return out;
    }

    /**
     * A record of {@code type} from component values by name; numbers are converted to the
     * component's type (a checkpoint stores them as longs).
     */
    public static Record create(Class<?> type, Map<String, Object> values) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type.getName() + " is not a record");
        }
        RecordComponent[] comps = type.getRecordComponents();
        Class<?>[] types = new Class<?>[comps.length];
        Object[] args = new Object[comps.length];
        for (int i = 0; i < comps.length; i++) {
            types[i] = comps[i].getType();
            if (!values.containsKey(comps[i].getName())) {
                throw new IllegalArgumentException(type.getName() + " field " + comps[i].getName() + " is missing");
            }
            Object v = values.get(comps[i].getName());
            args[i] = v instanceof Number n && types[i] == long.class ? n.longValue() : v;
        }
        try {
            var ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return (Record) ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot build " + type.getName() + " from " + values.keySet(), e);
        }
    }
}
