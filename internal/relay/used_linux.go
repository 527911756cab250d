package relay

import "syscall"

// measure reads the file system holding dir.
func measure(dir string) (Disk, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return Disk{}, err
	}
	b := uint64(st.Bsize)
	return Disk{Used: (st.Blocks - st.Bfree) * b, Avail: st.Bavail * b, Total: st.Blocks * b}, nil
}
