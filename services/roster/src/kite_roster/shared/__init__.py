"""What several roster features need: division codes and their reference list, ID numbers, the event registry."""
