// Placeholder until the schema model lands (lint issue).
public enum SargableSchemaModule {}
