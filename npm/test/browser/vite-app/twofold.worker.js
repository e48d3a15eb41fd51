import "twofold-pq/worker";
