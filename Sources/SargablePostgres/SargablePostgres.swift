// Filled in by its issue.
public enum SargablePostgresModule {}
