public enum SargableRulesModule {}
