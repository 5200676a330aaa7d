USERDATA_ENCODING=plain
USER_DATA='[ucernvm-begin]
cvmfs_tag=t5
[ucernvm-end]
'
