t_boot() {
	xl list
	xl info | head -20
	ls /dev/xen
	lsmod
}
xt_test smoke/boot t_boot
