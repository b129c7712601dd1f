// Filled in by its issue.
public enum SargableLogsModule {}
