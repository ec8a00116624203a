package rank

// DenseStages numbers the lists recs came from (Rec.Stage) 1, 2, …
// in carousel order, skipping lists that offered nothing, so the table,
// -o json and --all-users say the same "list 2".
func DenseStages(recs []Rec) []int {
	out := make([]int, len(recs))
	stage, last := 0, -1
	for i, rc := range recs {
		if rc.Stage != last {
			stage, last = stage+1, rc.Stage
		}
		out[i] = stage
	}
	return out
}
