"""Scale-out and servers: Spark batch prediction and local MLflow servers."""
